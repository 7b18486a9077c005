/**
 * Runs programs the way a person at a terminal would (through `run-in-pty.py`, a python3 `pty`
 * driver) or with piped input, and reads back what they printed.
 */
import { execFile, spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const PROJECT_ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const DRIVER = fileURLToPath(new URL('run-in-pty.py', import.meta.url))
const PROMPT_PROGRAM = fileURLToPath(new URL('approval-prompt.ts', import.meta.url))

/** Whether python3 (with its `pty` module) is there to drive a pseudo-terminal. */
export const HAVE_PTY = process.platform !== 'win32' && spawnSync('python3', ['-c', 'import pty, select'], { stdio: 'ignore' }).status === 0

export interface PtyStep {
  /** A Python regular expression (multiline) the screen must show before `send` is typed. */
  expect: string
  /** Keystrokes; Enter is `\r`. */
  send?: string
  delayMs?: number
}

export interface PtyResult {
  /** Everything the terminal showed, with the terminal's `\r\n` turned into `\n`. */
  transcript: string
  exitCode: number | null
  signal: number | null
  timedOut: boolean
  /** The step that never matched, when one did not. */
  failedStep: number | null
  steps: Array<{ matchedAtMs: number }>
  exitedAtMs: number | null
}

export async function runInPty(argv: readonly string[], steps: readonly PtyStep[], options: { env?: Record<string, string>; timeoutSeconds?: number } = {}): Promise<PtyResult> {
  const spec = { argv, cwd: PROJECT_ROOT, env: options.env ?? {}, steps, timeout: options.timeoutSeconds ?? 10 }
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile('python3', [DRIVER, JSON.stringify(spec)], { maxBuffer: 16 * 1024 * 1024, timeout: ((options.timeoutSeconds ?? 10) + 10) * 1000 }, (error, out, err) => {
      if (error) reject(new Error(`run-in-pty.py failed: ${error.message}\n${err}`))
      else resolve(out)
    })
  })
  const result = JSON.parse(stdout) as PtyResult
  return { ...result, transcript: result.transcript.replace(/\r\n/g, '\n') }
}

export interface PipedResult {
  status: number | null
  stdout: string
  stderr: string
  timedOut: boolean
}

/** Runs a program with `input` written to its stdin, then stdin closed. */
export function runPiped(argv: readonly string[], input: string, options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<PipedResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd: PROJECT_ROOT, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, options.timeoutMs ?? 10_000)
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolve({ status, stdout, stderr, timedOut })
    })
    child.stdin.end(input)
  })
}

export interface PromptProgramOptions {
  timeoutSeconds?: number
  calls?: Array<{ session?: string; arguments?: unknown; risk?: string }>
  color?: boolean
}

/** The argv of `approval-prompt.ts` (an ApprovalGate with the stdin channel) for these calls. */
export function promptProgram(options: PromptProgramOptions = {}): string[] {
  return [
    process.execPath, '--import', 'tsx', PROMPT_PROGRAM,
    '--timeout', String(options.timeoutSeconds ?? 30),
    '--calls', JSON.stringify(options.calls ?? [{}]),
    ...(options.color ? ['--color'] : []),
  ]
}

export interface ProgramOutput {
  stdinIsTTY: boolean | undefined
  /** `decision` per call, in order; null when the call needed no approval. */
  decisions: Array<{ call: number; asked: boolean; decision: Record<string, unknown> | null }>
}

/** The JSON lines approval-prompt.ts prints on stdout, picked out of a transcript. */
export function programOutput(text: string): ProgramOutput {
  const output: ProgramOutput = { stdinIsTTY: undefined, decisions: [] }
  for (const line of text.split('\n')) {
    if (line.startsWith('{"stdinIsTTY"')) output.stdinIsTTY = (JSON.parse(line) as { stdinIsTTY: boolean }).stdinIsTTY
    if (line.startsWith('{"call"')) output.decisions.push(JSON.parse(line) as ProgramOutput['decisions'][number])
  }
  return output
}
