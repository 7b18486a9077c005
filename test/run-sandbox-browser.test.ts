// End to end: `agentor run` (the built CLI) on each provider's official SDK talking to the fake model server,
// where the model reads a page with the real browser, is refused a metadata address, and writes what it read
// into the workspace from the real Docker sandbox. Skipped with the reason when Docker or Chromium is missing,
// except under CI, where the availability tests fail instead.
import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { RecordedRequest, ScriptStep } from './support/fake-model-server.js'
import { browserUnavailable, isAlive, serve, type TestSite } from './support/browser.js'
import { runCliAsync } from './support/engine/cli-async.js'
import { manifestText, modelEntry, PROVIDERS, readTranscriptFile, sessionsIn, TRANSCRIPT_DIR, withServers, ofType } from './support/engine/harness.js'
import { containersOfSession, DOCKER_REQUIRED, dockerUnavailable, TEST_IMAGE } from './support/docker.js'
import { STACK_FRAME } from './support/cli.js'

const unavailable = (await dockerUnavailable()) || browserUnavailable()

test('Docker and Chromium are available (required under CI)', { skip: DOCKER_REQUIRED ? false : unavailable }, () => {
  assert.equal(unavailable, false)
})

const REPORT_PAGE = '<!doctype html><title>Weekly report</title><h1 id="total">Total: 42 widgets</h1><p>Shipped on time.</p>'
const ANSWER = 'Saved the total to summary.txt.'

/** The content of the newest tool result in a request, in either provider's wire format. */
function lastToolResult(request: RecordedRequest): string {
  const messages = request.body.messages as { role: string; content: unknown }[]
  for (const message of [...messages].reverse()) {
    if (message.role === 'tool') return String(message.content)
    if (message.role === 'user' && Array.isArray(message.content)) {
      const result = [...(message.content as { type: string; content: unknown }[])].reverse().find((block) => block.type === 'tool_result')
      if (result) return typeof result.content === 'string' ? result.content : (result.content as { text: string }[]).map((block) => block.text).join('')
    }
  }
  return ''
}

/** The model's side of the task: each answer depends on the tool results it has been sent so far. */
function modelTurns(origin: string): (request: RecordedRequest) => ScriptStep {
  let turn = 0
  return (request) => {
    turn++
    if (turn === 1) return { toolCalls: [{ name: 'browser', arguments: { action: 'navigate', url: 'http://169.254.169.254/latest/meta-data/' } }] }
    if (turn === 2) return { toolCalls: [{ name: 'browser', arguments: { action: 'navigate', url: `${origin}/report` } }] }
    if (turn === 3) return { toolCalls: [{ name: 'browser', arguments: { action: 'extract_text', selector: '#total' } }] }
    if (turn === 4) {
      const total = lastToolResult(request).trim()
      return { toolCalls: [{ name: 'shell', arguments: { command: `printf '%s\\n' '${total}' > summary.txt && cat summary.txt && id -u` } }] }
    }
    return { text: ANSWER }
  }
}

describe('agentor run: a model that uses the browser and the Docker sandbox', { skip: unavailable }, () => {
  let site: TestSite
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'agentor-e2e-')))
  chmodSync(dir, 0o755)

  before(async () => {
    site = await serve('127.0.0.1', { '/report': REPORT_PAGE })
  })
  after(async () => {
    await site?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  for (const provider of PROVIDERS) {
    test(`${provider}: the page is read, the metadata address refused, the file written from the container, and nothing is left running`, async () => {
      await withServers(1, async (server) => {
        const agentDir = join(dir, provider)
        const workspace = join(agentDir, 'workspace')
        mkdirSync(workspace, { recursive: true })
        // The sandbox runs as nobody (65534), which must be able to write the mounted workspace.
        chmodSync(workspace, 0o777)
        const manifestPath = join(agentDir, 'agent.yaml')
        writeFileSync(manifestPath, manifestText({
          model: modelEntry(provider, server!),
          skills: ['browser', 'shell'],
          workspace: './workspace',
          sandbox: { docker: { image: TEST_IMAGE, memoryMb: 64, pidsLimit: 64, workspaceMount: 'rw' } },
          browser: { allowedDomains: ['127.0.0.1'], timeoutSeconds: 30 },
        }))
        server!.respond(modelTurns(site.origin))

        const result = await runCliAsync(['run', manifestPath, '-i', 'Read the weekly report and save its total to summary.txt'])

        assert.doesNotMatch(result.stderr, STACK_FRAME)
        assert.equal(result.status, 0, result.stderr)
        assert.equal(result.stdout, `${ANSWER}\n`)
        assert.equal(readFileSync(join(workspace, 'summary.txt'), 'utf8'), 'Total: 42 widgets\n')
        assert.ok(site.hits.includes('/report'), 'the page was fetched by the browser')

        const [sessionId] = sessionsIn(join(agentDir, TRANSCRIPT_DIR))
        const entries = readTranscriptFile(join(agentDir, TRANSCRIPT_DIR, `${sessionId!}.jsonl`))
        const results = ofType(entries, 'tool_result')
        assert.deepEqual(results.map((entry) => [entry.name, entry.isError]), [['browser', true], ['browser', false], ['browser', false], ['shell', false]])
        assert.match(results[0]!.content, /^navigation refused: .*169\.254\.169\.254/)
        assert.match(results[3]!.content, /exit code: 0/)
        assert.match(results[3]!.content, /Total: 42 widgets\n65534\n/, 'the command ran in the container as nobody, not on the host')

        const skillEvents = ofType(entries, 'skill_event').map((entry) => entry.event)
        assert.ok(skillEvents.includes('sandbox-verified'), `canary result in the transcript: ${skillEvents.join(', ')}`)
        const started = ofType(entries, 'skill_event').find((entry) => entry.event === 'browser-started')
        assert.ok(started, 'browser start in the transcript')
        assert.equal(isAlive(started.data.driverPid as number), false, 'the driver is gone after the run')
        assert.deepEqual(await containersOfSession(sessionId!), [], 'the run removed its container')
      })
    })
  }
})
