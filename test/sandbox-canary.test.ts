// The isolation canary and the stale-container sweep against the real engine: a container that is not
// isolated as the manifest says is refused, and containers of dead agentor processes are removed.
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { mkdtempSync, realpathSync, rmSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import Docker from 'dockerode'
import { containerSpec, LABELS, ownerLabel, type DockerSandboxConfig } from '../src/engine/sandbox/container-spec.js'
import { DockerSandbox, type SandboxEvent } from '../src/engine/sandbox/docker-sandbox.js'
import { removeStaleContainers } from '../src/engine/sandbox/stale-containers.js'
import { containersLabelled, containersOfSession, DOCKER_REQUIRED, dockerUnavailable, TEST_IMAGE } from './support/docker.js'
import { resolvedManifest } from './support/schema-defaults.js'

const unavailable = await dockerUnavailable()

test('the Docker engine and the sandbox image are available (required under CI)', { skip: DOCKER_REQUIRED ? false : unavailable }, () => {
  assert.equal(unavailable, false)
})

const workspace = realpathSync(mkdtempSync(join(tmpdir(), 'agentor-canary-')))
after(() => rmSync(workspace, { recursive: true, force: true }))

function config(overrides: Partial<DockerSandboxConfig> = {}): DockerSandboxConfig {
  return resolvedManifest({ sandbox: { docker: { image: TEST_IMAGE, memoryMb: 64, ...overrides } } }).sandbox.docker!
}

function sandbox(sandboxConfig: DockerSandboxConfig, adjustSpec?: (spec: Docker.ContainerCreateOptions) => Docker.ContainerCreateOptions) {
  const events: SandboxEvent[] = []
  const sessionId = `test-${randomUUID()}`
  const instance = new DockerSandbox({ config: sandboxConfig, workspace, sessionId, report: (event) => events.push(event), ...(adjustSpec ? { adjustSpec } : {}) })
  return { instance, events, sessionId }
}

/** A container started differently from what the manifest says: the canary must notice each. */
const MISCONFIGURED: { name: string; check: string; adjust: (host: Docker.HostConfig) => void }[] = [
  { name: 'the network on when the manifest says off', check: 'network', adjust: (host) => { host.NetworkMode = 'bridge' } },
  { name: 'a writable root filesystem', check: 'read-only-root', adjust: (host) => { host.ReadonlyRootfs = false } },
  { name: 'no memory limit', check: 'memory', adjust: (host) => { delete host.Memory; delete host.MemorySwap } },
  { name: 'the workspace mounted read-write instead of read-only', check: 'workspace', adjust: (host) => { host.Binds = [`${workspace}:/workspace:rw`] } },
  { name: 'the host workspace mounted at its own path as well', check: 'workspace', adjust: (host) => { host.Binds = [...(host.Binds ?? []), `${workspace}:${workspace}:ro`] } },
]

describe('isolation canary (real Docker engine)', { skip: unavailable }, () => {
  test('a container started as the manifest says passes every check, with what each observed', async () => {
    const { instance } = sandbox(config())
    const { report } = await instance.verify()
    assert.equal(report.passed, true, JSON.stringify(report.checks, null, 2))
    assert.deepEqual(report.checks.map((check) => check.name), ['network', 'read-only-root', 'workspace', 'memory', 'pids', 'user'])
    const observed = Object.fromEntries(report.checks.map((check) => [check.name, check.observed]))
    assert.equal(observed.network, 'interfaces: lo; engine NetworkMode: none')
    assert.equal(observed.memory, 'cgroup: 64 MB; engine: 64 MB')
    assert.equal(observed.user, 'uid 65534; engine User: 65534:65534')
  })

  test('the spec asks the engine for least privilege', () => {
    const spec = containerSpec(config(), workspace, 'session-x')
    assert.deepEqual(spec.HostConfig?.CapDrop, ['ALL'])
    assert.deepEqual(spec.HostConfig?.SecurityOpt, ['no-new-privileges'])
    assert.equal(spec.Labels?.[LABELS.owner], `${process.pid}@${hostname()}`)
    assert.equal(spec.Labels?.[LABELS.session], 'session-x')
  })

  for (const { name, check, adjust } of MISCONFIGURED) {
    test(`refuses a container started with ${name}: no command runs, the failed check is named and recorded`, async () => {
      const { instance, events, sessionId } = sandbox(config(), (spec) => {
        adjust(spec.HostConfig!)
        return spec
      })
      const refusal = /^the sandbox is not isolated as the manifest says, so no command runs: /
      await assert.rejects(instance.run('echo should-not-run', 10_000, new AbortController().signal), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'E_SANDBOX_UNVERIFIED')
        assert.match(error.message, refusal)
        assert.match(error.message, new RegExp(`: ${check} is `))
        return true
      })
      const refused = events.filter((event) => event.event === 'sandbox-refused')
      assert.equal(refused.length, 1)
      assert.match(refused[0]!.summary, new RegExp(`FAIL ${check}: `))
      await assert.rejects(instance.run('echo still-not', 10_000, new AbortController().signal), { code: 'E_SANDBOX_UNVERIFIED' }, 'every later command is refused too')
      assert.deepEqual(await containersOfSession(sessionId), [], 'the refused container is removed')
      await instance.close()
    })
  }

  test('with the network on in the manifest, the network check passes and says it is not restricted', async () => {
    const { report } = await sandbox(config({ network: true })).instance.verify()
    const network = report.checks.find((check) => check.name === 'network')!
    assert.equal(network.passed, true)
    assert.equal(network.expected, 'on (not restricted)')
    assert.match(network.observed, /eth0/)
  })
})

describe('stale sandbox containers (real Docker engine)', { skip: unavailable }, () => {
  test('containers whose agentor process is gone are removed; those of live processes and other hosts are kept', async () => {
    const docker = new Docker()
    const deadPid = spawnSync(process.execPath, ['-e', '0']).pid
    const sessionId = `test-${randomUUID()}`
    const create = async (owner: string) => {
      const spec = containerSpec(config(), workspace, sessionId)
      spec.Labels![LABELS.owner] = owner
      return docker.createContainer(spec)
    }
    const dead = await create(`${deadPid}@${hostname()}`)
    const live = await create(ownerLabel())
    const elsewhere = await create(`${deadPid}@another-host`)
    try {
      const removed = await removeStaleContainers(docker)
      assert.ok(removed.length >= 1)
      const left = (await containersOfSession(sessionId)).map((container) => container.Id).sort()
      assert.deepEqual(left, [live.id, elsewhere.id].sort())
      assert.deepEqual(await containersLabelled(LABELS.owner, `${deadPid}@${hostname()}`), [])
    } finally {
      for (const container of [dead, live, elsewhere]) await container.remove({ force: true }).catch(() => undefined)
    }
  })
})
