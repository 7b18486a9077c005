import type Docker from 'dockerode'
import { AgentorError } from '../errors.js'
import { describeChecks, runCanary, type CanaryReport } from './canary.js'
import { containerSpec, type DockerSandboxConfig } from './container-spec.js'
import { connectToEngine, isNotFound } from './engine.js'
import { execInContainer, type ExecOutcome } from './exec.js'
import { ensureImage } from './image.js'
import { removeStaleContainers } from './stale-containers.js'

export interface SandboxEvent {
  /** Kebab-case, e.g. `sandbox-verified`. */
  event: string
  summary: string
  data?: Record<string, unknown>
}

export interface SandboxOptions {
  config: DockerSandboxConfig
  /** Real path of the host workspace (mounted as `config.workspaceMount` says). */
  workspace: string
  sessionId: string
  /** Where image pulls, canary results, sweeps and killed containers are reported. */
  report(event: SandboxEvent): void
  /** Changes the container before it is created; lets a test start a misconfigured container to prove the canary refuses it. */
  adjustSpec?(spec: Docker.ContainerCreateOptions): Docker.ContainerCreateOptions
}

export interface CommandOutcome extends ExecOutcome {
  /** The container was killed (timeout, abort); with lifetime `run` the next command gets a fresh one. */
  containerKilled: boolean
}

/** The stale sweep runs once per process, before its first container. */
let staleSweep: Promise<void> | undefined

/**
 * The Docker sandbox of one run: containers created as the manifest says, each verified by the canary
 * before any command runs in it (a failed canary refuses every command), reused for the run or replaced
 * per command (`lifetime`), killed on timeout, and removed on `close`.
 */
export class DockerSandbox {
  private docker?: Docker
  private current?: Promise<Docker.Container>
  private refusal?: AgentorError
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly options: SandboxOptions) {}

  /** Runs `command` with `/bin/sh -c` in a verified container. Commands run one at a time. */
  run(command: string, timeoutMs: number, signal: AbortSignal): Promise<CommandOutcome> {
    const next = this.queue.then(() => this.runNow(command, timeoutMs, signal))
    this.queue = next.catch(() => undefined)
    return next
  }

  /** Starts a container and runs the canary in it, without running any command; the container is removed afterwards. */
  async verify(): Promise<{ report: CanaryReport; containerId: string }> {
    const docker = await this.engine()
    const container = await this.createContainer(docker)
    try {
      return { report: await runCanary(docker, container, this.options.config, this.options.workspace), containerId: container.id }
    } finally {
      await removeContainer(container)
    }
  }

  async close(): Promise<void> {
    const current = this.current
    this.current = undefined
    if (current) await removeContainer(await current.catch(() => undefined))
  }

  private async runNow(command: string, timeoutMs: number, signal: AbortSignal): Promise<CommandOutcome> {
    if (this.refusal) throw this.refusal
    const docker = await this.engine()
    this.current ??= this.startVerifiedContainer(docker)
    let container: Docker.Container
    try {
      container = await this.current
    } catch (error) {
      this.current = undefined
      throw error
    }
    let killed = false
    try {
      const outcome = await execInContainer(docker, container, ['/bin/sh', '-c', command], {
        timeoutMs, maxOutputBytes: this.options.config.maxOutputBytes, signal,
        kill: async () => {
          killed = true
          await container.kill().catch((error: unknown) => { if (!isNotFound(error)) throw error })
        },
      })
      if (killed) {
        this.options.report({
          event: 'sandbox-container-killed', summary: `sandbox container ${container.id.slice(0, 12)} killed (${outcome.timedOut ? `timed out after ${timeoutMs / 1000}s` : 'aborted'})`,
          data: { container: container.id, reason: outcome.timedOut ? 'timeout' : 'aborted' },
        })
      }
      return { ...outcome, containerKilled: killed }
    } finally {
      if (killed || this.options.config.lifetime === 'call') {
        this.current = undefined
        await removeContainer(container)
      }
    }
  }

  private async engine(): Promise<Docker> {
    if (this.docker) return this.docker
    const docker = await connectToEngine()
    staleSweep ??= removeStaleContainers(docker).then((removed) => {
      if (removed.length) this.options.report({ event: 'sandbox-stale-removed', summary: `removed ${removed.length} sandbox container(s) left by agentor processes that are gone: ${removed.join(', ')}`, data: { containers: removed } })
    }, () => undefined)
    await staleSweep
    const { image } = this.options.config
    const source = await ensureImage(docker, image, (progress) => this.options.report({
      event: 'sandbox-image-pull', summary: `pulling ${image}: ${progress.layersDone}/${progress.layers} layers, ${megabytes(progress.downloadedBytes)} of ${megabytes(progress.totalBytes)} MB`, data: { ...progress },
    }))
    if (source === 'pulled') this.options.report({ event: 'sandbox-image-pulled', summary: `pulled ${image}`, data: { image } })
    this.docker = docker
    return docker
  }

  private async createContainer(docker: Docker): Promise<Docker.Container> {
    const spec = containerSpec(this.options.config, this.options.workspace, this.options.sessionId)
    let container: Docker.Container
    try {
      container = await docker.createContainer(this.options.adjustSpec ? this.options.adjustSpec(spec) : spec)
    } catch (error) {
      throw new AgentorError('E_SANDBOX_CREATE', `could not create the sandbox container from ${this.options.config.image}: ${(error as Error).message}`)
    }
    try {
      await container.start()
    } catch (error) {
      await removeContainer(container)
      throw new AgentorError('E_SANDBOX_START', `could not start the sandbox container from ${this.options.config.image}: ${(error as Error).message}`)
    }
    return container
  }

  private async startVerifiedContainer(docker: Docker): Promise<Docker.Container> {
    const container = await this.createContainer(docker)
    let report: CanaryReport
    try {
      report = await runCanary(docker, container, this.options.config, this.options.workspace)
    } catch (error) {
      await removeContainer(container)
      throw error
    }
    const lines = describeChecks(report)
    const data = { container: container.id, image: this.options.config.image, checks: report.checks }
    if (report.passed) {
      this.options.report({ event: 'sandbox-verified', summary: `sandbox container ${container.id.slice(0, 12)} verified: ${report.checks.map((check) => check.name).join(', ')}`, data })
      return container
    }
    await removeContainer(container)
    const failed = report.checks.filter((check) => !check.passed)
    this.options.report({ event: 'sandbox-refused', summary: `sandbox isolation check failed; no command will run: ${lines.filter((line) => line.startsWith('FAIL')).join('; ')}`, data })
    this.refusal = new AgentorError(
      'E_SANDBOX_UNVERIFIED',
      `the sandbox is not isolated as the manifest says, so no command runs: ${failed.map((check) => `${check.name} is ${check.observed} (expected ${check.expected})`).join('; ')}`,
      'run `agentor sandbox check <manifest>` to see every check',
    )
    throw this.refusal
  }
}

function megabytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1)
}

async function removeContainer(container: Docker.Container | undefined): Promise<void> {
  if (!container) return
  await container.remove({ force: true }).catch((error: unknown) => { if (!isNotFound(error)) throw error })
}
