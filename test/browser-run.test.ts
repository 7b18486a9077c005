// The browser session's lifecycle inside a real run (compile + runAgent, scripted model, real Chromium):
// opened by the first browser call, closed when the run ends, also when it is interrupted (`agentor run` aborts
// the run on SIGINT). Skipped with the reason when Chromium is not installed, except under CI.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { RunEvent } from '../src/engine/agent/events.js'
import { compile } from '../src/engine/compile.js'
import type { AgentManifest } from '../src/engine/manifest/generated/manifest-types.js'
import { aliveAfter, browserUnavailable, isAlive, liveDescendants, serve, type TestSite } from './support/browser.js'
import { PROJECT_ROOT } from './support/cli.js'
import { resolvedManifest } from './support/schema-defaults.js'

const unavailable = browserUnavailable()
const required = Boolean(process.env.CI)

test('Chromium and chromedriver are installed (required under CI)', { skip: required ? false : unavailable }, () => {
  assert.equal(browserUnavailable(), false)
})

describe('the browser in a run', { skip: unavailable }, () => {
  let site: TestSite
  const dir = mkdtempSync(join(tmpdir(), 'agentor-browser-run-'))

  before(async () => {
    site = await serve('127.0.0.1', { '/': '<!doctype html><title>Home</title><p>hello</p>' })
  })
  after(async () => {
    await site?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  async function engineFor(script: NonNullable<AgentManifest['model']['script']>) {
    const manifest = resolvedManifest({
      skills: ['browser'],
      browser: { allowedDomains: ['127.0.0.1'], timeoutSeconds: 20 },
      model: { provider: 'scripted', name: 'test', script },
      transcripts: { enabled: false },
    })
    return compile(manifest, { manifestPath: join(dir, 'agent.yaml') })
  }

  /** The driver's PID from the run's `browser-started` event, and every browser process below it while it runs. */
  function watchProcesses(events: RunEvent[]) {
    const seen = new Set<number>()
    return {
      record(event: RunEvent) {
        events.push(event)
        if (event.type === 'skill_event' && event.event === 'browser-started') {
          const driver = event.data.driverPid as number
          for (const pid of [driver, ...liveDescendants(driver)]) seen.add(pid)
        }
      },
      alive: () => [...seen].filter(isAlive),
      seen,
    }
  }

  test('the session opens on the first call, is reused, and every process is gone when the run completes', async () => {
    const engine = await engineFor([
      { toolCalls: [{ name: 'browser', arguments: { action: 'navigate', url: `${site.origin}/` } }] },
      { toolCalls: [{ name: 'browser', arguments: { action: 'extract_text' } }] },
      { text: 'done' },
    ])
    const events: RunEvent[] = []
    const processes = watchProcesses(events)
    const result = await engine.run('look at the page', { onEvent: (event) => processes.record(event) })
    await engine.close()
    assert.equal(result.status, 'completed')
    const toolResults = events.filter((event) => event.type === 'tool_result')
    assert.deepEqual(toolResults.map((event) => [event.isError, event.content.split('\n')[0]]), [
      [false, `Navigated to ${site.origin}/`],
      [false, 'hello'],
    ])
    assert.equal(events.filter((event) => event.type === 'skill_event' && event.event === 'browser-started').length, 1)
    assert.ok(processes.seen.size >= 2, 'the driver and the browser were seen')
    assert.deepEqual(processes.alive(), [])
  })

  test('an interrupted run (what Ctrl-C does) closes the browser mid-action', async () => {
    const engine = await engineFor([
      { toolCalls: [{ name: 'browser', arguments: { action: 'navigate', url: `${site.origin}/` } }] },
      { toolCalls: [{ name: 'browser', arguments: { action: 'wait_for', selector: '#never-appears' } }] },
      { text: 'not reached' },
    ])
    const controller = new AbortController()
    const events: RunEvent[] = []
    const processes = watchProcesses(events)
    const result = await engine.run('wait forever', {
      signal: controller.signal,
      onEvent: (event) => {
        processes.record(event)
        if (event.type === 'tool_call' && (event.arguments as { action?: string }).action === 'wait_for') setTimeout(() => controller.abort(new Error('interrupted')), 300)
      },
    })
    await engine.close()
    assert.equal(result.status, 'failed')
    assert.equal(result.reason, 'interrupted')
    assert.ok(processes.seen.size >= 2)
    assert.deepEqual(processes.alive(), [])
  })
})

describe('a browser whose agentor process is killed outright', { skip: unavailable }, () => {
  test('SIGKILL of agentor mid-session: the driver and every browser process go with it', async () => {
    const site = await serve('127.0.0.1', { '/': '<!doctype html><title>Home</title><p>hello</p>' })
    // A separate agentor process that opens a session and waits; nothing in it gets to run when it is killed.
    const script = `
      import { createBrowserSkill } from './src/engine/browser/skill.ts'
      import { RunResources } from './src/engine/skills/run-resources.ts'
      import { resolvedManifest } from './test/support/schema-defaults.ts'
      import { skillContext } from './test/support/skill-context.ts'
      const manifest = resolvedManifest({ skills: ['browser'], browser: { allowedDomains: ['127.0.0.1'] } })
      const events = []
      const context = skillContext(process.cwd(), { resources: new RunResources(), record: (event) => events.push(event) })
      await createBrowserSkill(manifest.browser).invoke({ action: 'navigate', url: process.argv[1] }, context)
      console.log(JSON.stringify(events.find((event) => event.event === 'browser-started').data))
      setInterval(() => undefined, 1000)
    `
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, `${site.origin}/`], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'inherit'] })
    try {
      const [line] = await once(createInterface({ input: child.stdout! }), 'line') as [string]
      const { driverPid } = JSON.parse(line) as { driverPid: number }
      const processes = [driverPid, ...liveDescendants(driverPid)]
      assert.ok(processes.length >= 3, `the driver's group holds the driver and the browser: ${processes.join(', ')}`)
      child.kill('SIGKILL')
      assert.deepEqual(await aliveAfter(processes, 10_000), [])
    } finally {
      child.kill('SIGKILL')
      await site.close()
    }
  })
})
