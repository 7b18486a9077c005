import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BIN = `${PROJECT_ROOT}bin/run.js`

export interface CliResult {
  status: number | null
  stdout: string
  stderr: string
}

/** Runs the built `agentor` binary as a user would. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  if (!existsSync(`${PROJECT_ROOT}dist/commands/index.js`)) throw new Error('dist/ is missing: run `npm run build` before the CLI tests')
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: plainOutputEnvironment(options.env),
    input: options.input ?? '',
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

/** The environment with colour off (FORCE_COLOR unset: Node warns when both are set). */
export function plainOutputEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra }
  delete env.FORCE_COLOR
  return env
}

/** A stack trace line as Node prints it. Users must never see one. */
export const STACK_FRAME = /^\s+at .+[(:]\d+:\d+\)?$/m
