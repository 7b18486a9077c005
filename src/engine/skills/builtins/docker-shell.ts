import type { DockerSandboxConfig } from '../../sandbox/container-spec.js'
import { DockerSandbox, type CommandOutcome } from '../../sandbox/docker-sandbox.js'
import type { Skill, SkillResult } from '../contract.js'
import { SkillError } from '../contract.js'
import { checkShellPolicy } from '../guards/shell-policy.js'
import { formatCommandResult } from './command-output.js'
import { SHELL_PARAMETERS } from './shell.js'

/** Exit status of a process killed by SIGKILL, which is how the kernel ends one over the memory limit. */
const SIGKILL_EXIT = 137

/** `shell` and `docker_shell` of one run share this container. */
const SANDBOX_RESOURCE = 'docker-sandbox'

/**
 * A shell that runs only inside the manifest's Docker sandbox (`sandbox.docker`): as `docker_shell`, and
 * as `shell` itself when the manifest asks for a sandbox. It never falls back to the host.
 */
export function createDockerShellSkill(name: 'shell' | 'docker_shell', config: DockerSandboxConfig): Skill {
  return {
    name,
    description: `Run a command with /bin/sh inside an isolated Docker container (${config.image}; network ${config.network ? 'on' : 'off'}; workspace ${config.workspaceMount === 'none' ? 'not mounted' : `mounted ${config.workspaceMount} at ${config.workingDir}`}). Returns the exit code, stdout and stderr (each capped). On timeout the container is killed.`,
    risk: 'high',
    parameters: SHELL_PARAMETERS,
    async invoke(args, context): Promise<SkillResult> {
      const command = args.command as string
      const requested = args.timeoutSeconds as number | undefined
      const timeoutSeconds = Math.min(requested ?? config.timeoutSeconds, config.timeoutSeconds)
      // Redirection targets need no host-side check here, unlike the host shell: the container's mounts confine writes.
      checkShellPolicy(command, { allow: context.settings.shell.allow, deny: context.settings.shell.deny })
      if (context.signal.aborted) throw new SkillError('aborted before the command started')

      const sandbox = await context.resources.acquire(SANDBOX_RESOURCE, async () => {
        const value = new DockerSandbox({ config, workspace: context.workspace, sessionId: context.sessionId, report: (event) => context.record({ skill: name, ...event }) })
        return { value, close: () => value.close() }
      })
      // Sandbox failures (engine unreachable, image missing, isolation unverified) are AgentorErrors: the registry gives them to the model with their code and hint.
      const outcome = await sandbox.run(command, timeoutSeconds * 1000, context.signal)
      return { content: formatCommandResult(statusLines(outcome, timeoutSeconds, config), outcome.stdout, outcome.stderr), isError: outcome.exitCode !== 0 }
    },
  }
}

function statusLines(outcome: CommandOutcome, timeoutSeconds: number, config: DockerSandboxConfig): string[] {
  const lines: string[] = []
  const fresh = config.lifetime === 'run' ? '; the next command starts in a fresh container' : ''
  if (outcome.timedOut) lines.push(`timed out after ${timeoutSeconds}s; the command and its container were killed${fresh}`)
  else if (outcome.aborted) lines.push(`aborted; the command and its container were killed${fresh}`)
  lines.push(outcome.exitCode === undefined ? 'exit code: none (killed)' : `exit code: ${outcome.exitCode}`)
  if (outcome.exitCode === SIGKILL_EXIT) lines.push(`note: exit code ${SIGKILL_EXIT} means SIGKILL; the sandbox memory limit is ${config.memoryMb} MB, so the command probably ran out of memory`)
  return lines
}

