import type Docker from 'dockerode'
import type { DockerSandboxConfig } from './container-spec.js'
import { execInContainer } from './exec.js'

export interface CanaryCheck {
  name: 'probe' | 'network' | 'read-only-root' | 'workspace' | 'memory' | 'pids' | 'user'
  passed: boolean
  expected: string
  observed: string
}

export interface CanaryReport {
  passed: boolean
  checks: CanaryCheck[]
}

/**
 * Reads, from inside the container, what isolation it really has. Plain POSIX sh and coreutils only
 * (no awk, no network tools), so it works in any image with a shell; files it cannot read print as empty.
 */
const PROBE = `
printf 'interfaces='; for i in /sys/class/net/*; do printf '%s ' "\${i##*/}"; done; echo
root=; ws=
while read -r dev mnt fs opts rest; do
  [ "$mnt" = / ] && root=\${opts%%,*}
  [ "$mnt" = "$AGENTOR_WORKDIR" ] && ws=\${opts%%,*}
done < /proc/mounts
echo "root=$root"
echo "workspace_mount=$ws"
if [ -e "$AGENTOR_HOST_WORKSPACE" ]; then echo host_workspace=visible; else echo host_workspace=hidden; fi
echo "memory=$(cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null)"
echo "pids=$(cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max 2>/dev/null)"
echo "uid=$(id -u 2>/dev/null)"
`

const CANARY_TIMEOUT_MS = 15_000
/** cgroup v1 reports "no limit" as a huge page-rounded number rather than `max`. */
const UNLIMITED_BYTES = 2 ** 50

/**
 * Verifies that `container` is isolated as `config` says, from the inside (what a command would see)
 * and from the engine's own record of the container (`inspect`). Any failed check fails the report.
 */
export async function runCanary(docker: Docker, container: Docker.Container, config: DockerSandboxConfig, hostWorkspace: string): Promise<CanaryReport> {
  const [inspected, probe] = await Promise.all([
    container.inspect(),
    execInContainer(docker, container, ['/bin/sh', '-c', PROBE], {
      timeoutMs: CANARY_TIMEOUT_MS, maxOutputBytes: 16_384,
      env: [`AGENTOR_WORKDIR=${config.workingDir}`, `AGENTOR_HOST_WORKSPACE=${hostWorkspace}`],
      kill: () => container.kill(),
    }),
  ])
  if (probe.exitCode !== 0) {
    const why = probe.timedOut ? 'timed out' : `exit code ${probe.exitCode ?? 'none'}: ${probe.stderr.text().trim().slice(0, 300)}`
    const check: CanaryCheck = { name: 'probe', passed: false, expected: 'a POSIX shell at /bin/sh in the image', observed: `the probe could not run (${why})` }
    return { passed: false, checks: [check] }
  }
  const seen = Object.fromEntries(probe.stdout.text().split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).trim()]))
  const host = inspected.HostConfig
  const checks: CanaryCheck[] = [
    networkCheck(config, seen.interfaces ?? '', host.NetworkMode ?? ''),
    readOnlyRootCheck(config, seen.root ?? '', host.ReadonlyRootfs === true),
    workspaceCheck(config, seen.workspace_mount ?? '', seen.host_workspace ?? '', hostWorkspace),
    limitCheck('memory', config.memoryMb * 1024 * 1024, seen.memory ?? '', host.Memory, (bytes) => (bytes >= UNLIMITED_BYTES ? 'unlimited' : `${bytes / 1024 / 1024} MB`)),
    limitCheck('pids', config.pidsLimit, seen.pids ?? '', host.PidsLimit ?? undefined, String),
    userCheck(config, seen.uid ?? '', inspected.Config.User),
  ]
  return { passed: checks.every((check) => check.passed), checks }
}

function networkCheck(config: DockerSandboxConfig, interfaces: string, networkMode: string): CanaryCheck {
  const observed = `interfaces: ${interfaces || 'none'}; engine NetworkMode: ${networkMode}`
  if (config.network) return { name: 'network', passed: true, expected: 'on (not restricted)', observed }
  const onlyLoopback = interfaces.split(' ').filter(Boolean).every((name) => name === 'lo')
  return { name: 'network', passed: onlyLoopback && networkMode === 'none', expected: 'off: loopback only, NetworkMode none', observed }
}

function readOnlyRootCheck(config: DockerSandboxConfig, rootMode: string, engineReadOnly: boolean): CanaryCheck {
  const observed = `/ mounted ${rootMode || 'unknown'}; engine ReadonlyRootfs: ${engineReadOnly}`
  if (!config.readOnlyRoot) return { name: 'read-only-root', passed: true, expected: 'writable (readOnlyRoot: false)', observed }
  return { name: 'read-only-root', passed: rootMode === 'ro' && engineReadOnly, expected: 'ro', observed }
}

function workspaceCheck(config: DockerSandboxConfig, mountMode: string, hostPathSeen: string, hostWorkspace: string): CanaryCheck {
  // When the workspace is mounted at its own host path, seeing that path is the mount itself.
  const hostPathExpected = config.workspaceMount !== 'none' && hostWorkspace === config.workingDir ? hostPathSeen : 'hidden'
  const expectedMode = config.workspaceMount === 'none' ? '' : config.workspaceMount
  const expected = `${config.workspaceMount === 'none' ? 'not mounted' : `${config.workspaceMount} at ${config.workingDir}`}; host path ${hostWorkspace} hidden`
  const observed = `${mountMode ? `${mountMode} at ${config.workingDir}` : 'not mounted'}; host path ${hostPathSeen}`
  return { name: 'workspace', passed: mountMode === expectedMode && hostPathSeen === hostPathExpected, expected, observed }
}

function limitCheck(name: 'memory' | 'pids', expected: number, cgroupValue: string, engineValue: number | undefined, show: (value: number) => string): CanaryCheck {
  const inCgroup = Number(cgroupValue)
  const observed = `cgroup: ${Number.isFinite(inCgroup) && cgroupValue !== '' ? show(inCgroup) : cgroupValue || 'unreadable'}; engine: ${engineValue ? show(engineValue) : 'unset'}`
  return { name, passed: inCgroup === expected && engineValue === expected, expected: show(expected), observed }
}

function userCheck(config: DockerSandboxConfig, uid: string, engineUser: string): CanaryCheck {
  const configuredUid = config.user.split(':')[0]!
  const numeric = /^\d+$/.test(configuredUid)
  const passed = engineUser === config.user && (numeric ? uid === configuredUid : uid !== '')
  return { name: 'user', passed, expected: `${config.user}${configuredUid === '0' || configuredUid === 'root' ? ' (root, as configured)' : ''}`, observed: `uid ${uid || 'unknown'}; engine User: ${engineUser || 'image default'}` }
}

/** One line per check, for the transcript and `agentor sandbox check`. */
export function describeChecks(report: CanaryReport): string[] {
  return report.checks.map((check) => `${check.passed ? 'pass' : 'FAIL'} ${check.name}: ${check.observed}${check.passed ? '' : ` (expected ${check.expected})`}`)
}
