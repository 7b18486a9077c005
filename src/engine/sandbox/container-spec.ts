import { hostname } from 'node:os'
import type Docker from 'dockerode'
import type { ResolvedAgentManifest } from '../manifest/generated/manifest-types.js'

export type DockerSandboxConfig = NonNullable<ResolvedAgentManifest['sandbox']['docker']>

/** Labels on every container agentor starts; the stale sweep and the tests find them by these. */
export const LABELS = {
  managed: 'dev.agentor.managed',
  /** `<pid>@<hostname>` of the agentor process that started the container. */
  owner: 'dev.agentor.owner',
  session: 'dev.agentor.session',
} as const

export function ownerLabel(pid = process.pid): string {
  return `${pid}@${hostname()}`
}

/** Size of the writable `/tmp` (a tmpfs: it also counts against the memory limit). */
const TMP_SIZE = '64m'

/** Keeps the container alive between commands; every command runs through `docker exec`. */
const IDLE_COMMAND = ['/bin/sh', '-c', 'while :; do sleep 3600; done']

/** The container for `config`: no capabilities, no privilege gain, the manifest's limits, the workspace mounted only as asked. */
export function containerSpec(config: DockerSandboxConfig, workspace: string, sessionId: string): Docker.ContainerCreateOptions {
  const env = Object.entries(config.env).flatMap(([name, value]) => (value === undefined ? [] : [`${name}=${value}`]))
  return {
    Image: config.image,
    Cmd: IDLE_COMMAND,
    User: config.user,
    WorkingDir: config.workingDir,
    Env: env,
    Labels: { [LABELS.managed]: 'true', [LABELS.owner]: ownerLabel(), [LABELS.session]: sessionId },
    HostConfig: {
      NetworkMode: config.network ? 'bridge' : 'none',
      ReadonlyRootfs: config.readOnlyRoot,
      Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${TMP_SIZE}` },
      Memory: config.memoryMb * 1024 * 1024,
      MemorySwap: config.memoryMb * 1024 * 1024,
      NanoCpus: Math.round(config.cpus * 1e9),
      PidsLimit: config.pidsLimit,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Binds: config.workspaceMount === 'none' ? [] : [`${workspace}:${config.workingDir}:${config.workspaceMount}`],
    },
  }
}
