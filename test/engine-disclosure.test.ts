import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { stringify } from 'yaml'
import { createUnavailableApprovalChannel } from '../src/engine/approval/auto-channel.js'
import type { ApprovalChannel } from '../src/engine/approval/contract.js'
import { compile } from '../src/engine/compile.js'
import { loadManifest } from '../src/engine/manifest/load.js'
import type { RecordedRequest } from './support/fake-model-server.js'
import { readTranscriptFile, withServers, withTempDir } from './support/engine/harness.js'

type Json = Record<string, unknown>

async function engineFor(dir: string, url: string, extra: Json, approvalChannel?: ApprovalChannel) {
  const manifestPath = join(dir, 'agent.yaml')
  writeFileSync(manifestPath, stringify({
    agentor: 1, name: 'discloser', instructions: 'You are a test agent.',
    model: { provider: 'openai', name: 'gpt-4o-mini', apiKey: 'test-key', baseUrl: `${url}/v1`, retry: { maxRetries: 0 } },
    transcripts: { dir: './t' }, ...extra,
  }))
  const { manifest } = await loadManifest(manifestPath, { env: {} })
  return compile(manifest, { manifestPath, env: {}, ...(approvalChannel ? { approvalChannel } : {}) })
}

const toolNames = (request: RecordedRequest) => ((request.body.tools ?? []) as { function: { name: string } }[]).map((tool) => tool.function.name).sort()
const systemPrompt = (request: RecordedRequest) => String((request.body.messages as { role: string; content: string }[])[0]!.content)
const toolMessages = (request: RecordedRequest) => (request.body.messages as { role: string; content: string }[]).filter((message) => message.role === 'tool')

describe('progressive disclosure', () => {
  test('an undisclosed tool is refused; once enabled through tool_enable it is sent with its schema and succeeds', () => withTempDir((dir) => withServers(1, async (server) => {
    writeFileSync(join(dir, 'note.txt'), 'the secret word is heliotrope')
    const engine = await engineFor(dir, server.url, { skills: ['file_read', 'list_dir', 'shell'], tools: { disclosure: 'progressive' } })
    server.enqueue(
      { toolCalls: [{ name: 'file_read', arguments: { path: 'note.txt' } }] },
      { toolCalls: [{ name: 'tool_search', arguments: { query: 'read a file' } }] },
      { toolCalls: [{ name: 'tool_enable', arguments: { names: ['file_read'] } }] },
      { toolCalls: [{ name: 'file_read', arguments: { path: 'note.txt' } }] },
      { text: 'The word is heliotrope.' },
    )
    const result = await engine.run('What is the secret word?')
    assert.equal(result.status, 'completed', result.reason)
    const [first, second, third, fourth, fifth] = server.requests
    assert.deepEqual(toolNames(first!), ['tool_enable', 'tool_search'], 'only the meta-tools carry schemas at first')
    assert.match(systemPrompt(first!), /- file_read: /)
    assert.match(systemPrompt(first!), /- shell: /)
    assert.match(toolMessages(second!)[0]!.content, /`file_read` is not enabled yet; call `tool_enable`/)
    assert.match(toolMessages(third!)[1]!.content, /^file_read: /m, 'tool_search finds file_read')
    assert.deepEqual(toolNames(fourth!), ['file_read', 'tool_enable', 'tool_search'])
    assert.match(systemPrompt(fourth!), /- file_read: .*\(enabled\)/)
    assert.match(toolMessages(fifth!).at(-1)!.content, /heliotrope/)
    const entries = readTranscriptFile(join(dir, 't', `${result.sessionId}.jsonl`))
    assert.deepEqual(entries.filter((entry) => entry.type === 'tools_enabled').map((entry) => (entry as { names: string[] }).names), [['file_read']])
    const refused = entries.find((entry) => entry.type === 'tool_result' && entry.isError)
    assert.ok(refused, 'the refusal is recorded in the transcript')
  })))

  test('a resumed session keeps the tools it enabled', () => withTempDir((dir) => withServers(1, async (server) => {
    const engine = await engineFor(dir, server.url, { skills: ['list_dir'], tools: { disclosure: 'progressive' } })
    server.enqueue({ toolCalls: [{ name: 'tool_enable', arguments: { names: ['list_dir'] } }] }, { text: 'enabled' }, { text: 'again' })
    const first = await engine.run('enable it')
    await engine.run('still there?', { sessionId: first.sessionId })
    assert.deepEqual(toolNames(server.requests[2]!), ['list_dir', 'tool_enable', 'tool_search'])
  })))
})

describe('Markdown skills', () => {
  test('prompt skills join the system prompt; callable skills return their guidance; allowed-tools are enabled with them', () => withTempDir((dir) => withServers(1, async (server) => {
    mkdirSync(join(dir, 'skills', 'style'), { recursive: true })
    mkdirSync(join(dir, 'skills', 'triage'), { recursive: true })
    writeFileSync(join(dir, 'skills', 'style', 'SKILL.md'), '---\nname: style\ndescription: House style\nmode: prompt\n---\nAlways answer in haiku.\n')
    writeFileSync(join(dir, 'skills', 'triage', 'SKILL.md'), '---\nname: triage\ndescription: How to triage a report\nallowed-tools: list_dir\nlicense: MIT\n---\nFirst list the directory, then decide.\n')
    const engine = await engineFor(dir, server.url, { skills: ['list_dir', './skills'], tools: { disclosure: 'progressive' } })
    server.enqueue(
      { toolCalls: [{ name: 'tool_enable', arguments: { names: ['triage'] } }] },
      { toolCalls: [{ name: 'triage', arguments: { query: 'a crash report' } }] },
      { text: 'ok' },
    )
    const result = await engine.run('triage this')
    assert.equal(result.status, 'completed', result.reason)
    assert.match(systemPrompt(server.requests[0]!), /## Additional instructions\n### style\nAlways answer in haiku\./)
    assert.doesNotMatch(systemPrompt(server.requests[0]!), /- style: /, 'a prompt skill is not a tool')
    assert.deepEqual(toolNames(server.requests[1]!), ['list_dir', 'tool_enable', 'tool_search', 'triage'], 'enabling triage enables the list_dir it needs')
    assert.match(toolMessages(server.requests[2]!).at(-1)!.content, /^## triage — guidance for: a crash report\n\nFirst list the directory, then decide\.$/)
  })))
})

describe('approval in the loop', () => {
  const shellAgent = { skills: ['shell'], approval: { require: ['shell'], timeoutSeconds: 5 } }

  test('with nobody to ask, a call that needs approval is denied and the run goes on', () => withTempDir((dir) => withServers(1, async (server) => {
    const engine = await engineFor(dir, server.url, shellAgent, createUnavailableApprovalChannel('no terminal to ask on'))
    server.enqueue({ toolCalls: [{ name: 'shell', arguments: { command: 'touch ran.txt' } }] }, { text: 'could not' })
    const result = await engine.run('make a file')
    assert.equal(result.status, 'completed')
    assert.match(toolMessages(server.requests[1]!)[0]!.content, /not approved \(agentor: no terminal to ask on\)/)
    const entries = readTranscriptFile(join(dir, 't', `${result.sessionId}.jsonl`))
    const decision = entries.find((entry) => entry.type === 'approval_decision')
    assert.deepEqual(decision && { approved: (decision as { approved: boolean }).approved, scope: (decision as { scope: string }).scope }, { approved: false, scope: 'once' })
    assert.ok(entries.some((entry) => entry.type === 'approval_request' && (entry as { because: string }).because === 'approval.require lists shell'))
  })))

  test('a session grant covers later calls of the same tool; a channel that never answers is a denial after the timeout', () => withTempDir((dir) => withServers(1, async (server) => {
    let asked = 0
    const once: ApprovalChannel = { name: 'test', request: async () => { asked++; return { approved: true, reviewer: 'tester', scope: 'session' } } }
    const engine = await engineFor(dir, server.url, shellAgent, once)
    server.enqueue(
      { toolCalls: [{ name: 'shell', arguments: { command: 'echo one' } }] },
      { toolCalls: [{ name: 'shell', arguments: { command: 'echo two' } }] },
      { text: 'done' },
    )
    const result = await engine.run('run twice')
    assert.equal(result.status, 'completed')
    assert.equal(asked, 1, 'the second call rides on the session grant')
    assert.match(toolMessages(server.requests[2]!).at(-1)!.content, /two/)

    const silent: ApprovalChannel = { name: 'silent', request: () => new Promise(() => {}) }
    const waiting = await engineFor(dir, server.url, { ...shellAgent, approval: { require: ['shell'], timeoutSeconds: 0.2 } }, silent)
    server.enqueue({ toolCalls: [{ name: 'shell', arguments: { command: 'echo three' } }] }, { text: 'gave up' })
    await waiting.run('run once more')
    assert.match(toolMessages(server.requests[4]!)[0]!.content, /no answer within 0.2s/)
  })))

  test('approval.channel auto approves without asking', () => withTempDir((dir) => withServers(1, async (server) => {
    const engine = await engineFor(dir, server.url, { ...shellAgent, approval: { channel: 'auto', require: ['shell'] } })
    server.enqueue({ toolCalls: [{ name: 'shell', arguments: { command: 'echo approved-run' } }] }, { text: 'ok' })
    await engine.run('go')
    assert.match(toolMessages(server.requests[1]!)[0]!.content, /approved-run/)
  })))
})
