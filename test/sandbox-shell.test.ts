// The Docker-backed shell (`shell` under `sandbox.docker`, and `docker_shell`) against the real engine
// and the local busybox image: what a command sees inside, what the model gets back, what is left running.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { chmodSync, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import type { Sandbox } from '../src/engine/manifest/generated/manifest-types.js'
import { BUILTIN_SKILL_LOADERS } from '../src/engine/skills/builtins/index.js'
import { SkillRegistry } from '../src/engine/skills/registry.js'
import { type SkillContext, type SkillEvent, type SkillResult } from '../src/engine/skills/contract.js'
import { containersOfSession, DOCKER_REQUIRED, dockerUnavailable, TEST_IMAGE } from './support/docker.js'
import { resolvedManifest } from './support/schema-defaults.js'
import { defaultSkillSettings, skillContext } from './support/skill-context.js'

const unavailable = await dockerUnavailable()

test('the Docker engine and the sandbox image are available (required under CI)', { skip: DOCKER_REQUIRED ? false : unavailable }, () => {
  assert.equal(unavailable, false)
})

type SandboxDocker = NonNullable<Sandbox['docker']>

const workspace = realpathSync(mkdtempSync(join(tmpdir(), 'agentor-sandbox-')))
// Readable by the sandbox's default user (nobody), as a checkout usually is; mkdtemp makes it 0700.
chmodSync(workspace, 0o755)
writeFileSync(join(workspace, 'notes.txt'), 'from the host\n')
after(() => rmSync(workspace, { recursive: true, force: true }))

interface Sandboxed {
  call(command: string, extra?: Record<string, unknown>): Promise<SkillResult>
  context: SkillContext
  events: SkillEvent[]
  /** Ends the run: closes the run's resources, as the engine does. */
  end(): Promise<void>
}

/** A `shell` skill loaded from a manifest with `sandbox.docker` (the test image plus `docker`), in a run of its own. */
async function sandboxedShell(docker: SandboxDocker = {}, context: Partial<SkillContext> = {}): Promise<Sandboxed> {
  const manifest = resolvedManifest({ skills: ['shell'], sandbox: { docker: { image: TEST_IMAGE, ...docker } } })
  // Through the registry, as in a run: what it returns is exactly what the model reads.
  const registry = new SkillRegistry()
  registry.register(await BUILTIN_SKILL_LOADERS.shell!({ manifest, baseDir: workspace }))
  const events: SkillEvent[] = []
  const ctx = skillContext(workspace, { sessionId: `test-${randomUUID()}`, record: (event) => events.push(event), ...context })
  let calls = 0
  return {
    call: (command, extra = {}) => registry.execute({ id: `call-${++calls}`, name: 'shell', arguments: { command, ...extra } }, ctx),
    context: ctx,
    events,
    end: () => ctx.resources.closeAll(),
  }
}

async function withSandbox(docker: SandboxDocker, body: (sandbox: Sandboxed) => Promise<void>): Promise<void> {
  const sandbox = await sandboxedShell(docker)
  try {
    await body(sandbox)
  } finally {
    await sandbox.end()
  }
}

describe('sandboxed shell (real Docker engine)', { skip: unavailable }, () => {
  test('exit codes, stdout and stderr reach the model, separately', async () => {
    await withSandbox({}, async (sandbox) => {
      const failed = await sandbox.call('echo to-stdout; echo to-stderr >&2; exit 3')
      assert.equal(failed.isError, true)
      assert.equal(failed.content, 'exit code: 3\n--- stdout ---\nto-stdout\n--- stderr ---\nto-stderr\n')
      const passed = await sandbox.call('printf ok')
      assert.equal(passed.isError, false)
      assert.equal(passed.content, 'exit code: 0\n--- stdout ---\nok\n--- stderr ---\n')
    })
  })

  test('output is capped at maxOutputBytes per stream, and the dropped size is stated', async () => {
    await withSandbox({ maxOutputBytes: 1000 }, async (sandbox) => {
      const result = await sandbox.call("head -c 5000 /dev/zero | tr '\\0' a; head -c 10 /dev/zero | tr '\\0' b >&2")
      assert.match(result.content, /^exit code: 0\n--- stdout ---\na{1000}\n\[stdout truncated: 4000 more bytes dropped\]\n--- stderr ---\nb{10}$/)
    })
  })

  test('a timeout kills the command and its container; nothing of it keeps running, and the next call gets a fresh container', async () => {
    await withSandbox({ timeoutSeconds: 1.5 }, async (sandbox) => {
      const first = await sandbox.call('hostname')
      const timedOut = await sandbox.call('sleep 60 & sleep 60; echo never')
      assert.equal(timedOut.isError, true)
      assert.match(timedOut.content, /^timed out after 1.5s; the command and its container were killed; the next command starts in a fresh container\nexit code: none \(killed\)\n/)
      assert.doesNotMatch(timedOut.content, /never/)
      assert.deepEqual(await containersOfSession(sandbox.context.sessionId), [], 'the killed container is removed, so no process of it is left')
      assert.ok(sandbox.events.some((event) => event.event === 'sandbox-container-killed'))
      const next = await sandbox.call('hostname')
      assert.equal(next.isError, false)
      assert.notEqual(next.content, first.content)
    })
  })

  test('a shorter timeout asked for by the model applies; a longer one is cut to the configured limit', async () => {
    await withSandbox({ timeoutSeconds: 1 }, async (sandbox) => {
      assert.match((await sandbox.call('sleep 30', { timeoutSeconds: 600 })).content, /^timed out after 1s/)
    })
  })

  test('aborting the run kills the running command and its container', async () => {
    const controller = new AbortController()
    const sandbox = await sandboxedShell({}, { signal: controller.signal })
    try {
      await sandbox.call('true')
      setTimeout(() => controller.abort(), 500)
      const result = await sandbox.call('sleep 60')
      assert.match(result.content, /^aborted; the command and its container were killed/)
      assert.deepEqual(await containersOfSession(sandbox.context.sessionId), [])
    } finally {
      await sandbox.end()
    }
  })

  test('with the network off (the default), a connect attempt fails and only loopback exists', async () => {
    await withSandbox({}, async (sandbox) => {
      const result = await sandbox.call('ls /sys/class/net; nc -w 2 10.0.0.1 80 </dev/null')
      assert.equal(result.isError, true)
      assert.match(result.content, /--- stdout ---\nlo\n--- stderr ---\n.*Network is unreachable/)
    })
  })

  test('the root filesystem is read-only, even for root; /tmp is writable', async () => {
    await withSandbox({ user: '0:0' }, async (sandbox) => {
      const result = await sandbox.call('touch /etc/agentor-probe')
      assert.equal(result.isError, true)
      assert.match(result.content, /Read-only file system/)
      assert.equal((await sandbox.call('echo x > /tmp/probe && cat /tmp/probe')).content, 'exit code: 0\n--- stdout ---\nx\n--- stderr ---\n')
    })
  })

  test('an allocation beyond the memory limit is killed, and the result says why; one within it succeeds', async () => {
    await withSandbox({ memoryMb: 32 }, async (sandbox) => {
      const over = await sandbox.call('dd if=/dev/zero of=/dev/null bs=64M count=1')
      assert.equal(over.isError, true)
      assert.match(over.content, /^exit code: 137\nnote: exit code 137 means SIGKILL; the sandbox memory limit is 32 MB/)
      const within = await sandbox.call('dd if=/dev/zero of=/dev/null bs=8M count=1')
      assert.equal(within.isError, false, within.content)
    })
  })

  test('commands run as the non-root user by default, with the manifest\'s environment and none of the host\'s', async () => {
    process.env.AGENTOR_TEST_HOST_ONLY = 'leaked'
    try {
      await withSandbox({ env: { GREETING: 'hello from the manifest' } }, async (sandbox) => {
        const result = await sandbox.call('id -u; id -g; echo "$GREETING"; echo "[$AGENTOR_TEST_HOST_ONLY]"')
        assert.equal(result.content, 'exit code: 0\n--- stdout ---\n65534\n65534\nhello from the manifest\n[]\n--- stderr ---\n')
      })
    } finally {
      delete process.env.AGENTOR_TEST_HOST_ONLY
    }
  })

  test('lifetime run: one container for the whole run, verified once; it is removed when the run ends', async () => {
    const sandbox = await sandboxedShell({ lifetime: 'run' })
    const first = await sandbox.call('hostname; echo state > /tmp/state')
    const second = await sandbox.call('hostname; cat /tmp/state')
    assert.equal(second.content.split('\n')[2], first.content.split('\n')[2])
    assert.match(second.content, /state/)
    assert.equal(sandbox.events.filter((event) => event.event === 'sandbox-verified').length, 1)
    assert.equal((await containersOfSession(sandbox.context.sessionId)).length, 1)
    await sandbox.end()
    assert.deepEqual(await containersOfSession(sandbox.context.sessionId), [])
  })

  test('lifetime call: a fresh, verified container per command, removed after it', async () => {
    await withSandbox({ lifetime: 'call' }, async (sandbox) => {
      const first = await sandbox.call('hostname; echo state > /tmp/state')
      assert.deepEqual(await containersOfSession(sandbox.context.sessionId), [])
      const second = await sandbox.call('hostname; cat /tmp/state')
      assert.notEqual(second.content.split('\n')[2], first.content.split('\n')[2])
      assert.match(second.content, /No such file or directory/)
      assert.equal(sandbox.events.filter((event) => event.event === 'sandbox-verified').length, 2)
    })
  })

  test('workspace mounted read-only (the default): readable, not writable; the host path itself is not visible', async () => {
    await withSandbox({}, async (sandbox) => {
      const result = await sandbox.call(`pwd; cat notes.txt; test -e ${workspace} && echo host-path-visible; touch new.txt`)
      assert.equal(result.isError, true)
      assert.match(result.content, /--- stdout ---\n\/workspace\nfrom the host\n--- stderr ---\ntouch: new.txt: Read-only file system/)
      assert.equal(existsSync(join(workspace, 'new.txt')), false)
    })
  })

  test('workspace mounted read-write: files written inside appear on the host', async () => {
    await withSandbox({ workspaceMount: 'rw', user: `${process.getuid!()}:${process.getgid!()}` }, async (sandbox) => {
      const result = await sandbox.call('echo written inside > out.txt')
      assert.equal(result.isError, false, result.content)
      assert.equal(readFileSync(join(workspace, 'out.txt'), 'utf8'), 'written inside\n')
      rmSync(join(workspace, 'out.txt'))
    })
  })

  test('workspace not mounted: none of the host\'s files are visible', async () => {
    await withSandbox({ workspaceMount: 'none' }, async (sandbox) => {
      const result = await sandbox.call(`ls -A /workspace; cat notes.txt; ls ${workspace}`)
      assert.equal(result.isError, true)
      assert.match(result.content, /--- stdout ---\n--- stderr ---\ncat: can't open 'notes.txt': No such file or directory\nls: .*No such file or directory/)
    })
  })

  test('the shell policy (deny, allow) applies inside the sandbox too', async () => {
    const settings = defaultSkillSettings()
    settings.shell.deny = ['\\brm\\b']
    const sandbox = await sandboxedShell({}, { settings })
    try {
      const refused = await sandbox.call('rm -rf /workspace/x')
      assert.equal(refused.isError, true)
      assert.match(refused.content, /^command refused: /)
      assert.deepEqual(sandbox.events, [], 'refused before any container started')
    } finally {
      await sandbox.end()
    }
  })

  test('an unreachable engine is a tool error naming it; nothing runs on the host', async () => {
    const marker = join(workspace, 'ran-on-host')
    process.env.DOCKER_HOST = 'unix:///nonexistent.sock'
    try {
      const sandbox = await sandboxedShell()
      const result = await sandbox.call(`touch ${marker}`)
      assert.equal(result.isError, true)
      assert.match(result.content, /^E_SANDBOX_ENGINE_UNREACHABLE: the Docker engine at unix:\/\/\/nonexistent.sock is not reachable .*no command runs on the host.*hint: start dockerd/)
      await sandbox.end()
    } finally {
      delete process.env.DOCKER_HOST
    }
    assert.equal(existsSync(marker), false)
  })

  test('a missing image that cannot be pulled is an error naming it and how to build or load it', async () => {
    const image = `agentor/not-built-${randomUUID().slice(0, 8)}:1`
    await withSandbox({ image }, async (sandbox) => {
      const result = await sandbox.call('true')
      assert.equal(result.isError, true)
      assert.match(result.content, new RegExp(`^E_SANDBOX_IMAGE_MISSING: image ${image} is not present locally and could not be pulled: `))
      assert.match(result.content, new RegExp(`bash scripts/build-sandbox-image.sh ${image}`))
      assert.match(result.content, /docker load -i/)
    })
  })

  test('docker_shell is the same sandboxed shell under its own name, sharing the run\'s container with shell', async () => {
    const manifest = resolvedManifest({ skills: ['shell', 'docker_shell'], sandbox: { docker: { image: TEST_IMAGE } } })
    const [shell, dockerShell] = await Promise.all([BUILTIN_SKILL_LOADERS.shell!({ manifest, baseDir: workspace }), BUILTIN_SKILL_LOADERS.docker_shell!({ manifest, baseDir: workspace })])
    assert.equal(dockerShell.name, 'docker_shell')
    const context = skillContext(workspace, { sessionId: `test-${randomUUID()}` })
    try {
      const viaShell = (await shell.invoke({ command: 'hostname' }, context)) as SkillResult
      const viaDockerShell = (await dockerShell.invoke({ command: 'hostname' }, context)) as SkillResult
      assert.equal(viaDockerShell.content, viaShell.content)
    } finally {
      await context.resources.closeAll()
    }
  })
})
