/**
 * The built CLI run asynchronously. `runCli` (test/support/cli.ts) blocks the event loop with
 * spawnSync, which would starve a fake model server living in the test process; these helpers
 * keep the loop free while the child talks to it.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { plainOutputEnvironment, PROJECT_ROOT, type CliResult } from '../cli.js'

const BIN = `${PROJECT_ROOT}bin/run.js`

export interface CliOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  input?: string
}

/** Starts `agentor <args>`; stdin gets `input` (or nothing) and is closed. */
export function spawnCli(args: readonly string[], options: CliOptions = {}): ChildProcess {
  if (!existsSync(`${PROJECT_ROOT}dist/commands/index.js`)) throw new Error('dist/ is missing: run `npm run build` before the CLI tests')
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: plainOutputEnvironment(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  child.stdin!.end(options.input ?? '')
  return child
}

/** Output collected so far from a spawned CLI, and its end. */
export function collect(child: ChildProcess, timeoutMs = 30_000): { stdout: () => string; stderr: () => string; done: Promise<CliResult & { signal: NodeJS.Signals | null }> } {
  let stdout = ''
  let stderr = ''
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const done = new Promise<CliResult & { signal: NodeJS.Signals | null }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`the CLI did not finish within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`))
    }, timeoutMs)
    child.once('error', (error) => { clearTimeout(timer); reject(error) })
    child.once('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr }) })
  })
  return { stdout: () => stdout, stderr: () => stderr, done }
}

/** Runs `agentor <args>` to completion without blocking the event loop. */
export function runCliAsync(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return collect(spawnCli(args, options)).done
}
