import { spawn } from 'node:child_process'
import { withoutSecrets } from '../../secrets.js'
import type { Skill, SkillResult } from '../contract.js'
import { SkillError } from '../contract.js'
import { checkShellPolicy } from '../guards/shell-policy.js'
import { resolveInWorkspace } from '../guards/workspace-path.js'
import { CappedCapture, formatCommandResult } from './command-output.js'
import { MAX_TIMER_MS } from '../../timers.js'

/** After the shell exits, how long to wait for its output pipes to close before giving up on them. */
const CLOSE_GRACE_MS = 2000

function killGroup(pid: number): boolean {
  try {
    process.kill(-pid, 'SIGKILL')
    return true
  } catch {
    return false
  }
}

interface Outcome {
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  aborted: boolean
  killedLeftovers: boolean
}

/** The arguments of `shell`, whether it runs on the host or in the Docker sandbox. */
export const SHELL_PARAMETERS: Record<string, unknown> = {
  type: 'object',
  additionalProperties: false,
  required: ['command'],
  properties: {
    command: { type: 'string', minLength: 1, description: 'Shell command line, run as `/bin/sh -c command`.' },
    timeoutSeconds: { type: 'number', exclusiveMinimum: 0, description: 'Seconds before the command is killed; the configured limit applies if smaller.' },
  },
}

export const shellSkill: Skill = {
  name: 'shell',
  description: 'Run a command with /bin/sh in the workspace directory. Returns the exit code, stdout and stderr (each capped). The whole process group is killed on timeout.',
  risk: 'high',
  parameters: SHELL_PARAMETERS,
  async invoke(args, context): Promise<SkillResult> {
    const command = args.command as string
    const settings = context.settings.shell
    const requestedTimeout = args.timeoutSeconds as number | undefined
    const timeoutSeconds = Math.min(requestedTimeout ?? settings.timeoutSeconds, settings.timeoutSeconds)

    const decision = checkShellPolicy(command, { allow: settings.allow, deny: settings.deny })
    for (const target of decision.redirectTargets) {
      try {
        await resolveInWorkspace(context.workspace, target, { forWrite: true })
      } catch (error) {
        if (error instanceof SkillError) throw new SkillError(`command refused: redirection target '${target}' is not allowed (${error.message})`)
        throw error
      }
    }
    if (context.signal.aborted) throw new SkillError('aborted before the command started')

    const child = spawn('/bin/sh', ['-c', command], {
      cwd: context.workspace,
      env: withoutSecrets(process.env),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const stdout = new CappedCapture(settings.maxOutputBytes)
    const stderr = new CappedCapture(settings.maxOutputBytes)
    stdout.attach(child.stdout)
    stderr.attach(child.stderr)

    const outcome = await new Promise<Outcome>((resolvePromise, rejectPromise) => {
      const state: Outcome = { code: null, signal: null, timedOut: false, aborted: false, killedLeftovers: false }
      let exited = false
      let settled = false
      let graceTimer: NodeJS.Timeout | undefined

      const finish = (): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        clearTimeout(graceTimer)
        context.signal.removeEventListener('abort', onAbort)
        resolvePromise(state)
      }
      const onAbort = (): void => {
        if (exited || child.pid === undefined) return
        state.aborted = true
        killGroup(child.pid)
      }
      const timer = setTimeout(() => {
        if (exited || child.pid === undefined) return
        state.timedOut = true
        killGroup(child.pid)
      }, Math.min(timeoutSeconds * 1000, MAX_TIMER_MS))
      context.signal.addEventListener('abort', onAbort, { once: true })

      child.once('error', (error) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        context.signal.removeEventListener('abort', onAbort)
        rejectPromise(new SkillError(`could not start /bin/sh: ${(error as NodeJS.ErrnoException).code ?? error.message}`))
      })
      child.once('exit', (code, signal) => {
        exited = true
        state.code = code
        state.signal = signal
        // Background processes left in the group would hold the pipes open and outlive the call.
        if (child.pid !== undefined && !state.timedOut && !state.aborted) state.killedLeftovers = killGroup(child.pid)
        graceTimer = setTimeout(() => {
          child.stdout.destroy()
          child.stderr.destroy()
          finish()
        }, CLOSE_GRACE_MS)
      })
      child.once('close', () => {
        if (exited) finish()
      })
    })

    const lines: string[] = []
    if (outcome.timedOut) lines.push(`timed out after ${timeoutSeconds}s; the process group was killed`)
    else if (outcome.aborted) lines.push('aborted; the process group was killed')
    if (outcome.code !== null) lines.push(`exit code: ${outcome.code}`)
    else lines.push(`exit code: none (killed by ${outcome.signal ?? 'signal'})`)
    if (outcome.killedLeftovers) lines.push('note: background processes still running when the shell exited were killed')
    return { content: formatCommandResult(lines, stdout, stderr), isError: outcome.timedOut || outcome.aborted || outcome.code !== 0 }
  },
}

