import { PassThrough } from 'node:stream'
import type Docker from 'dockerode'
import { CappedCapture } from '../skills/builtins/command-output.js'
import { MAX_TIMER_MS } from '../timers.js'


export interface ExecOutcome {
  /** Undefined when the command did not finish (timed out or aborted, and its container killed). */
  exitCode?: number
  stdout: CappedCapture
  stderr: CappedCapture
  timedOut: boolean
  aborted: boolean
}

export interface ExecOptions {
  timeoutMs: number
  maxOutputBytes: number
  signal?: AbortSignal
  env?: string[]
  /**
   * Ends the command when it runs out of time or is aborted. Killing the exec'd process alone is not
   * possible through the API, so the caller kills the whole container.
   */
  kill(): Promise<void>
}

/** Runs `argv` in the running `container` and collects its exit code and capped, separated stdout and stderr. */
export async function execInContainer(docker: Docker, container: Docker.Container, argv: string[], options: ExecOptions): Promise<ExecOutcome> {
  const stdout = new CappedCapture(options.maxOutputBytes)
  const stderr = new CappedCapture(options.maxOutputBytes)
  const outcome: ExecOutcome = { stdout, stderr, timedOut: false, aborted: false }
  if (options.signal?.aborted) return { ...outcome, aborted: true }

  const exec = await container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true, ...(options.env ? { Env: options.env } : {}) })
  const stream = await exec.start({ hijack: true, stdin: false })
  const out = new PassThrough()
  const err = new PassThrough()
  stdout.attach(out)
  stderr.attach(err)
  docker.modem.demuxStream(stream, out, err)

  let stop: Promise<void> | undefined
  const end = (reason: 'timedOut' | 'aborted') => {
    if (stop) return
    outcome[reason] = true
    stop = options.kill().catch(() => undefined).finally(() => stream.destroy())
  }
  const timer = setTimeout(() => end('timedOut'), Math.min(options.timeoutMs, MAX_TIMER_MS))
  const onAbort = () => end('aborted')
  options.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    await new Promise<void>((resolve) => {
      stream.once('end', resolve)
      stream.once('close', resolve)
      stream.once('error', () => resolve())
    })
  } finally {
    clearTimeout(timer)
    options.signal?.removeEventListener('abort', onAbort)
  }
  await stop
  if (outcome.timedOut || outcome.aborted) return outcome
  const exitCode = await exitCodeOf(exec)
  return exitCode === undefined ? outcome : { ...outcome, exitCode }
}

/** The engine can close the output stream a moment before it records the exit code. */
async function exitCodeOf(exec: Docker.Exec): Promise<number | undefined> {
  for (let attempt = 0; ; attempt++) {
    const { Running, ExitCode } = await exec.inspect()
    if (!Running || attempt === 50) return ExitCode ?? undefined
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
