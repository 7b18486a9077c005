// `agentor sandbox check`, and what `agentor run` leaves behind with a sandbox: nothing after SIGINT,
// and after SIGKILL a container the next agentor process removes. Real engine, built CLI.
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { setTimeout as delay } from 'node:timers/promises'
import type Docker from 'dockerode'
import { LABELS } from '../src/engine/sandbox/container-spec.js'
import { runCli, STACK_FRAME } from './support/cli.js'
import { containersLabelled, DOCKER_REQUIRED, dockerUnavailable, TEST_IMAGE } from './support/docker.js'
import { collect, runCliAsync, spawnCli } from './support/engine/cli-async.js'

const unavailable = await dockerUnavailable()

test('the Docker engine and the sandbox image are available (required under CI)', { skip: DOCKER_REQUIRED ? false : unavailable }, () => {
  assert.equal(unavailable, false)
})

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'agentor-sandbox-cli-')))
chmodSync(dir, 0o755)
after(() => rmSync(dir, { recursive: true, force: true }))

function manifest(name: string, sandbox: string, script = '[{ text: done }]'): string {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, `agentor: 1
name: ${name}
model: { provider: scripted, script: ${script} }
skills: [shell]
workspace: .
transcripts: { dir: ${join(dir, 'transcripts')} }
${sandbox}
`)
  return file
}

const SANDBOX = `sandbox: { docker: { image: ${TEST_IMAGE}, memoryMb: 64, pidsLimit: 64 } }`
const SLEEPER = '[{ toolCalls: [{ name: shell, arguments: { command: "sleep 120" } }] }, { text: done }]'

async function waitForContainers(owner: string, child: { stderr: () => string }): Promise<Docker.ContainerInfo[]> {
  for (let waited = 0; ; waited += 100) {
    const containers = await containersLabelled(LABELS.owner, owner)
    if (containers.some((container) => container.State === 'running')) return containers
    if (waited > 30_000) assert.fail(`no sandbox container appeared for ${owner}\nstderr: ${child.stderr()}`)
    await delay(100)
  }
}

describe('agentor sandbox check (real Docker engine)', { skip: unavailable }, () => {
  test('prints the effective isolation and every check, and exits 0 when all pass', () => {
    const result = runCli(['sandbox', 'check', manifest('check-ok', SANDBOX)])
    assert.equal(result.status, 0, result.stderr)
    for (const line of [`image           ${TEST_IMAGE}`, 'user            65534:65534', 'network         off', 'memoryMb        64', 'pidsLimit       64', `workspace       ${dir} mounted ro at /workspace`]) assert.ok(result.stdout.includes(`${line}\n`), `missing "${line}" in:\n${result.stdout}`)
    for (const check of ['network', 'read-only-root', 'workspace', 'memory', 'pids', 'user']) assert.match(result.stdout, new RegExp(`^pass ${check}: `, 'm'))
    assert.match(result.stdout, /isolation verified: all 6 checks passed\n$/)
  })

  test('--json gives the checks and the effective isolation', () => {
    const result = runCli(['sandbox', 'check', manifest('check-json', SANDBOX), '--json'])
    assert.equal(result.status, 0, result.stderr)
    const report = JSON.parse(result.stdout) as { passed: boolean; effective: Record<string, unknown>; checks: { name: string; passed: boolean }[] }
    assert.equal(report.passed, true)
    assert.equal(report.effective.network, 'off')
    assert.deepEqual(report.checks.map((check) => [check.name, check.passed]), [['network', true], ['read-only-root', true], ['workspace', true], ['memory', true], ['pids', true], ['user', true]])
  })

  test('an unreachable engine: exit 1, the error names the address and says nothing runs on the host, no stack trace', () => {
    const result = runCli(['sandbox', 'check', manifest('check-engine', SANDBOX)], { env: { DOCKER_HOST: 'unix:///nonexistent.sock' } })
    assert.equal(result.status, 1)
    assert.match(result.stderr, /^agentor: E_SANDBOX_ENGINE_UNREACHABLE: the Docker engine at unix:\/\/\/nonexistent.sock is not reachable/)
    assert.match(result.stderr, /hint: start dockerd/)
    assert.doesNotMatch(result.stderr, STACK_FRAME)
  })

  test('a missing image: exit 1, naming the image and how to build or load it', () => {
    const result = runCli(['sandbox', 'check', manifest('check-image', 'sandbox: { docker: { image: agentor/never-built:0 } }')])
    assert.equal(result.status, 1)
    assert.match(result.stderr, /E_SANDBOX_IMAGE_MISSING: image agentor\/never-built:0 is not present locally and could not be pulled/)
    assert.match(result.stderr, /bash scripts\/build-sandbox-image.sh agentor\/never-built:0/)
  })

  test('a manifest without sandbox.docker: exit 1, saying its commands would run on the host', () => {
    const result = runCli(['sandbox', 'check', manifest('check-none', '')])
    assert.equal(result.status, 1)
    assert.match(result.stderr, /E_SANDBOX_NOT_CONFIGURED: .* has no `sandbox.docker`, so its commands would run on the host/)
  })
})

describe('agentor run with a sandbox: cleanup (real Docker engine)', { skip: unavailable }, () => {
  test('a sandboxed command runs in the container and the run records the canary result', async () => {
    const file = manifest('run-ok', SANDBOX, '[{ toolCalls: [{ name: shell, arguments: { command: "id -u; cat /proc/1/cmdline | tr \\"\\\\0\\" \\" \\"" } }] }, { text: done }]')
    const result = await runCliAsync(['run', file, '-i', 'go'])
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stderr, /shell: sandbox container [0-9a-f]{12} verified: network, read-only-root, workspace, memory, pids, user/)
    assert.match(result.stderr, /65534 \/bin\/sh -c while :; do sleep 3600; done/)
    const sessionId = /session (\S+)/.exec(result.stderr)![1]!
    const events = readFileSync(join(dir, 'transcripts', `${sessionId}.jsonl`), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string; event?: string; data?: { checks?: { name: string; passed: boolean }[] } })
    const verified = events.filter((entry) => entry.type === 'skill_event' && entry.event === 'sandbox-verified')
    assert.equal(verified.length, 1, 'the canary result is in the transcript, once')
    assert.deepEqual(verified[0]!.data!.checks!.map((check) => check.passed), [true, true, true, true, true, true])
  })

  test('SIGINT during a sandboxed command: the run ends and its container is gone', async () => {
    const child = spawnCli(['run', manifest('run-sigint', SANDBOX, SLEEPER), '-i', 'go'])
    const output = collect(child)
    const owner = `${child.pid}@${hostname()}`
    await waitForContainers(owner, output)
    child.kill('SIGINT')
    const result = await output.done
    assert.equal(result.status, 1, result.stderr)
    assert.match(result.stderr, /interrupted/)
    assert.deepEqual(await containersLabelled(LABELS.owner, owner), [])
  })

  test('SIGKILL leaves the container behind; the next agentor process removes it', async () => {
    const child = spawnCli(['run', manifest('run-sigkill', SANDBOX, SLEEPER), '-i', 'go'])
    const output = collect(child)
    const owner = `${child.pid}@${hostname()}`
    const [left] = await waitForContainers(owner, output)
    child.kill('SIGKILL')
    await output.done
    assert.equal((await containersLabelled(LABELS.owner, owner)).length, 1, 'a killed process cannot clean up')
    const next = await runCliAsync(['sandbox', 'check', manifest('run-sweep', SANDBOX)])
    assert.equal(next.status, 0, next.stderr)
    assert.match(next.stderr, new RegExp(`removed \\d+ sandbox container\\(s\\) left by agentor processes that are gone: .*${left!.Names[0]!.slice(1)}`))
    assert.deepEqual(await containersLabelled(LABELS.owner, owner), [])
  })
})
