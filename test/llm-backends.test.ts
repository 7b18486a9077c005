import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAnthropicBackend } from '../src/engine/llm/anthropic-backend.js'
import type { ChatMessage, ModelBackend, ModelRequest, ToolSpec } from '../src/engine/llm/contract.js'
import { ModelError } from '../src/engine/llm/model-error.js'
import { createOpenAIBackend, maxTokensParam } from '../src/engine/llm/openai-backend.js'
import { headerReader, parseToolArguments, redact } from '../src/engine/llm/sdk-errors.js'
import type { ResolvedModel } from '../src/engine/manifest/generated/manifest-types.js'
import { startFakeModelServer, type FakeModelServer, type ScriptStep } from './support/fake-model-server.js'

// The SDKs log the broken chunk of a malformed stream; the tests provoke that on purpose.
process.env.OPENAI_LOG = 'off'
process.env.ANTHROPIC_LOG = 'off'

type Provider = 'openai' | 'anthropic'
const PROVIDERS: Provider[] = ['openai', 'anthropic']
const API_KEY = 'sk-test-SECRET-4f9a2c'
const SYSTEM = 'You add numbers.'

const addTool: ToolSpec = {
  name: 'add',
  description: 'Adds two numbers',
  parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
}

function modelFor(provider: Provider, baseUrl: string, overrides: Partial<ResolvedModel> = {}): ResolvedModel {
  return {
    provider,
    name: provider === 'openai' ? 'gpt-4o-mini' : 'claude-sonnet-5-5',
    apiKey: API_KEY,
    baseUrl,
    temperature: 0.3,
    maxTokens: 512,
    timeoutMs: 5000,
    retry: { maxRetries: 0, backoffBaseMs: 1, backoffMaxMs: 1 },
    fallbacks: [],
    ...overrides,
  }
}

function backendFor(provider: Provider, url: string, overrides: Partial<ResolvedModel> = {}): ModelBackend {
  return provider === 'openai'
    ? createOpenAIBackend(modelFor(provider, `${url}/v1`, overrides))
    : createAnthropicBackend(modelFor(provider, url, overrides))
}

async function withServer(run: (server: FakeModelServer) => Promise<void>): Promise<void> {
  const server = await startFakeModelServer()
  try {
    await run(server)
  } finally {
    await server.close()
  }
}

function ask(content: string, tools: ToolSpec[] = [addTool]): ModelRequest {
  return { system: SYSTEM, messages: [{ role: 'user', content }], tools }
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  assert.fail('expected the call to fail')
}

async function modelError(promise: Promise<unknown>): Promise<ModelError> {
  const error = await failure(promise)
  assert.ok(error instanceof ModelError, `expected a ModelError, got ${String(error)}`)
  assert.ok(!error.message.includes(API_KEY), 'the API key stays out of the message')
  return error
}

/** Runs one scripted step against a fresh backend and returns the ModelError it fails with. */
async function errorFor(provider: Provider, step: ScriptStep, overrides: Partial<ResolvedModel> = {}): Promise<ModelError> {
  let error: ModelError | undefined
  await withServer(async (server) => {
    server.enqueue(step)
    error = await modelError(backendFor(provider, server.url, overrides).complete(ask('hi')))
  })
  return error!
}

for (const provider of PROVIDERS) {
  test(`${provider}: text streams as deltas, in order`, async () => {
    await withServer(async (server) => {
      server.enqueue({ text: 'The quick brown fox jumps over the lazy dog.' })
      const deltas: string[] = []
      const turn = await backendFor(provider, server.url).complete(ask('say something'), { onTextDelta: (text) => deltas.push(text) })

      assert.ok(deltas.length > 5, 'several deltas')
      assert.equal(deltas.join(''), 'The quick brown fox jumps over the lazy dog.')
      assert.equal(turn.text, 'The quick brown fox jumps over the lazy dog.')
      assert.deepEqual(turn.toolCalls, [])
      assert.equal(turn.stopReason, 'end')
      assert.equal(server.requests[0].body.stream, true)
    })
  })

  test(`${provider}: a tool call whose arguments arrive in several chunks`, async () => {
    await withServer(async (server) => {
      server.enqueue({ toolCalls: [{ id: 'call_abc', name: 'add', arguments: { a: 1, b: 2, note: 'a longer argument string' } }] })
      const deltas: string[] = []
      const turn = await backendFor(provider, server.url).complete(ask('add'), { onTextDelta: (text) => deltas.push(text) })

      assert.deepEqual(turn.toolCalls, [{ id: 'call_abc', name: 'add', arguments: { a: 1, b: 2, note: 'a longer argument string' } }])
      assert.equal(turn.stopReason, 'tool_calls')
      assert.equal(turn.text, '')
      assert.deepEqual(deltas, [])
    })
  })

  test(`${provider}: parallel tool calls keep the model's order`, async () => {
    await withServer(async (server) => {
      server.enqueue({
        text: 'Adding both.',
        toolCalls: [
          { id: 'call_1', name: 'add', arguments: { a: 1, b: 2 } },
          { id: 'call_2', name: 'mul', arguments: {} },
          { id: 'call_3', name: 'add', arguments: { a: 30, b: 12 } },
        ],
      })
      const turn = await backendFor(provider, server.url).complete(ask('add'))

      assert.equal(turn.text, 'Adding both.')
      assert.deepEqual(turn.toolCalls, [
        { id: 'call_1', name: 'add', arguments: { a: 1, b: 2 } },
        { id: 'call_2', name: 'mul', arguments: {} },
        { id: 'call_3', name: 'add', arguments: { a: 30, b: 12 } },
      ])
      assert.equal(turn.stopReason, 'tool_calls')
    })
  })

  test(`${provider}: a truncated answer stops with length, and usage comes from the stream`, async () => {
    await withServer(async (server) => {
      server.enqueue({ text: 'Once upon a', finishReason: 'length', usage: { input: 123, output: 45 } })
      const turn = await backendFor(provider, server.url).complete(ask('write a novel'))
      assert.equal(turn.text, 'Once upon a')
      assert.equal(turn.stopReason, 'length')
      assert.deepEqual(turn.usage, { inputTokens: 123, outputTokens: 45 })
    })
  })

  test(`${provider}: no tools and no system prompt leave those parameters out`, async () => {
    await withServer(async (server) => {
      server.enqueue({ text: 'ok' })
      await backendFor(provider, server.url).complete({ system: '', messages: [{ role: 'user', content: 'hi' }], tools: [] })
      const { body } = server.requests[0]
      assert.equal('tools' in body, false)
      assert.equal('system' in body, false)
      assert.deepEqual(body.messages, [{ role: 'user', content: 'hi' }])
    })
  })

  // --- Errors

  test(`${provider}: HTTP errors are classified by status`, async () => {
    const rateLimited = await errorFor(provider, { fault: { status: 429, retryAfter: 2 } })
    assert.equal(rateLimited.kind, 'retry')
    assert.equal(rateLimited.details.status, 429)
    assert.equal(rateLimited.details.retryAfterMs, 2000)

    const cases: [number, ModelError['kind']][] = [[503, 'retry'], [529, 'retry'], [400, 'next-model'], [404, 'next-model'], [422, 'next-model'], [401, 'credential'], [403, 'credential']]
    for (const [status, kind] of cases) {
      const error = await errorFor(provider, { fault: { status } })
      assert.equal(error.kind, kind, `HTTP ${status}`)
      assert.equal(error.details.status, status)
      assert.equal(error.details.errorClass, 'http')
      assert.equal(error.details.retryAfterMs, undefined)
    }
  })

  test(`${provider}: a dropped connection is retried as a connection error`, async () => {
    const error = await errorFor(provider, { fault: 'drop' })
    assert.equal(error.kind, 'retry')
    assert.equal(error.details.errorClass, 'connection')
  })

  test(`${provider}: a stall past timeoutMs is retried as a timeout`, async () => {
    const startedAt = Date.now()
    const error = await errorFor(provider, { fault: 'stall' }, { timeoutMs: 300 })
    assert.equal(error.kind, 'retry')
    assert.equal(error.details.errorClass, 'timeout')
    assert.ok(Date.now() - startedAt < 3000)
  })

  test(`${provider}: a malformed body is retried`, async () => {
    const error = await errorFor(provider, { fault: 'malformed' })
    assert.equal(error.kind, 'retry')
    assert.equal(error.details.errorClass, 'malformed')
  })

  test(`${provider}: a stream cut after some text is interrupted, not retried`, async () => {
    await withServer(async (server) => {
      server.enqueue({ fault: 'midstream', text: 'one two three' })
      const deltas: string[] = []
      const error = await modelError(backendFor(provider, server.url).complete(ask('hi'), { onTextDelta: (text) => deltas.push(text) }))
      assert.equal(error.kind, 'interrupted')
      assert.equal(error.details.errorClass, 'connection')
      assert.equal(deltas.join(''), 'one two three')
    })
  })

  test(`${provider}: a stream cut before any delta is retried`, async () => {
    const error = await errorFor(provider, { fault: 'midstream', text: '' })
    assert.equal(error.kind, 'retry')
    assert.equal(error.details.errorClass, 'connection')
  })

  test(`${provider}: the API key never appears in an error message, even when the server echoes it`, async () => {
    const error = await errorFor(provider, { fault: { status: 401, message: `Incorrect API key provided: ${API_KEY}.` } })
    assert.equal(error.kind, 'credential')
    assert.match(error.message, /Incorrect API key provided: \[redacted\]/)
  })

  test(`${provider}: without any key the call fails as a credential problem naming the variable`, async () => {
    const variables = provider === 'openai' ? ['OPENAI_API_KEY'] : ['ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN']
    const saved = variables.map((name) => process.env[name])
    for (const name of variables) delete process.env[name]
    try {
      await withServer(async (server) => {
        const backend = backendFor(provider, server.url, { apiKey: '' })
        const error = await modelError(backend.complete(ask('hi')))
        assert.equal(error.kind, 'credential')
        assert.ok(error.message.includes(variables[0]))
        assert.equal(server.requests.length, 0)

        process.env[variables[0]] = API_KEY
        server.enqueue({ fault: { status: 401 } })
        assert.equal((await modelError(backend.complete(ask('hi')))).kind, 'credential')
        const { headers } = server.requests[0]
        assert.ok([headers.authorization, headers['x-api-key']].some((value) => value?.includes(API_KEY)), 'the SDK read the variable')
      })
    } finally {
      variables.forEach((name, index) => (saved[index] === undefined ? delete process.env[name] : (process.env[name] = saved[index])))
    }
  })

  test(`${provider}: a user abort is rethrown as-is, before or during the stream`, async () => {
    await withServer(async (server) => {
      const backend = backendFor(provider, server.url)
      const early = new AbortController()
      early.abort()
      const before = await failure(backend.complete({ ...ask('hi'), signal: early.signal }))
      assert.ok(!(before instanceof ModelError))

      server.enqueue({ text: 'one two three four five six' })
      const during = new AbortController()
      const deltas: string[] = []
      const onTextDelta = (text: string): void => {
        deltas.push(text)
        during.abort()
      }
      const error = await failure(backend.complete({ ...ask('hi'), signal: during.signal }, { onTextDelta }))
      assert.ok(!(error instanceof ModelError), `not a ModelError: ${String(error)}`)
      assert.ok(deltas.length >= 1)
    })
  })
}

// --- History threading: the exact request bodies

const history: ChatMessage[] = [
  { role: 'user', content: 'What is 1+2 and 3+4?' },
  { role: 'assistant', content: '', toolCalls: [{ id: 'call_1', name: 'add', arguments: { a: 1, b: 2 } }] },
  { role: 'tool', toolCallId: 'call_1', name: 'add', content: '3', isError: false },
  {
    role: 'assistant',
    content: 'Now the second.',
    toolCalls: [
      { id: 'call_2', name: 'add', arguments: { a: 3, b: 4 } },
      { id: 'call_3', name: 'add', arguments: { unparsed: '{"a": 3,' } },
    ],
  },
  { role: 'tool', toolCallId: 'call_2', name: 'add', content: '7', isError: false },
  { role: 'tool', toolCallId: 'call_3', name: 'add', content: 'the arguments are not valid JSON', isError: true },
  { role: 'user', content: 'Also tell me a joke.' },
]

test('openai: history, tools and settings thread natively into the request', async () => {
  await withServer(async (server) => {
    server.enqueue({ text: 'ok' })
    await backendFor('openai', server.url).complete({ system: SYSTEM, messages: history, tools: [addTool] })

    const functionCall = (id: string, args: string) => ({ id, type: 'function', function: { name: 'add', arguments: args } })
    assert.deepEqual(server.requests[0].body, {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'What is 1+2 and 3+4?' },
        { role: 'assistant', content: null, tool_calls: [functionCall('call_1', '{"a":1,"b":2}')] },
        { role: 'tool', tool_call_id: 'call_1', content: '3' },
        { role: 'assistant', content: 'Now the second.', tool_calls: [functionCall('call_2', '{"a":3,"b":4}'), functionCall('call_3', '{"a": 3,')] },
        { role: 'tool', tool_call_id: 'call_2', content: '7' },
        { role: 'tool', tool_call_id: 'call_3', content: 'the arguments are not valid JSON' },
        { role: 'user', content: 'Also tell me a joke.' },
      ],
      tools: [{ type: 'function', function: { name: 'add', description: 'Adds two numbers', parameters: addTool.parameters } }],
      temperature: 0.3,
      max_tokens: 512,
      stream: true,
      stream_options: { include_usage: true },
    })
    assert.equal(server.requests[0].headers.authorization, `Bearer ${API_KEY}`)
  })
})

test('anthropic: history, tools and settings thread natively into the request', async () => {
  await withServer(async (server) => {
    server.enqueue({ text: 'ok' })
    await backendFor('anthropic', server.url).complete({ system: SYSTEM, messages: history, tools: [addTool] })

    const toolUse = (id: string, input: object) => ({ type: 'tool_use', id, name: 'add', input })
    const toolResult = (id: string, content: string, isError: boolean) => ({ type: 'tool_result', tool_use_id: id, content, is_error: isError })
    assert.deepEqual(server.requests[0].body, {
      model: 'claude-sonnet-5-5',
      system: SYSTEM,
      messages: [
        { role: 'user', content: 'What is 1+2 and 3+4?' },
        { role: 'assistant', content: [toolUse('call_1', { a: 1, b: 2 })] },
        { role: 'user', content: [toolResult('call_1', '3', false)] },
        { role: 'assistant', content: [{ type: 'text', text: 'Now the second.' }, toolUse('call_2', { a: 3, b: 4 }), toolUse('call_3', {})] },
        {
          role: 'user',
          content: [
            toolResult('call_2', '7', false),
            toolResult('call_3', 'the arguments are not valid JSON', true),
            { type: 'text', text: 'Also tell me a joke.' },
          ],
        },
      ],
      tools: [{ name: 'add', description: 'Adds two numbers', input_schema: addTool.parameters }],
      max_tokens: 512,
      stream: true,
    })
  })
})

// --- Stream endings the fake server cannot script: a raw SSE server

type RawHandler = (res: ServerResponse) => void

async function withRawServer(handler: RawHandler, run: (url: string) => Promise<void>): Promise<void> {
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => handler(res))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)
  } finally {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
}

function sse(res: ServerResponse, events: object[], end: boolean): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' })
  for (const event of events) {
    const type = 'type' in event ? `event: ${String(event.type)}\n` : ''
    res.write(`${type}data: ${JSON.stringify(event)}\n\n`)
  }
  if (end) res.end()
}

const openaiChunk = (delta: object, finishReason: string | null = null) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 0,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, delta, finish_reason: finishReason }],
})

const anthropicStart = {
  type: 'message_start',
  message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-5-5', content: [], stop_reason: null, usage: { input_tokens: 5, output_tokens: 1 } },
}

test('openai: a stream that goes quiet after some text is interrupted by the idle timeout', async () => {
  const chunks = [openaiChunk({ role: 'assistant', content: '' }), openaiChunk({ content: 'Hello' })]
  await withRawServer((res) => sse(res, chunks, false), async (url) => {
    const error = await modelError(backendFor('openai', url, { timeoutMs: 300 }).complete(ask('hi')))
    assert.equal(error.kind, 'interrupted')
    assert.equal(error.details.errorClass, 'timeout')
  })
})

test('anthropic: a stream that goes quiet before any delta is retried as a timeout', async () => {
  await withRawServer((res) => sse(res, [anthropicStart], false), async (url) => {
    const error = await modelError(backendFor('anthropic', url, { timeoutMs: 300 }).complete(ask('hi')))
    assert.equal(error.kind, 'retry')
    assert.equal(error.details.errorClass, 'timeout')
  })
})

test('a stream that ends cleanly without its end marker is incomplete', async () => {
  const openaiChunks = [openaiChunk({ role: 'assistant', content: '' }), openaiChunk({ content: 'Hello' })]
  await withRawServer((res) => sse(res, openaiChunks, true), async (url) => {
    const error = await modelError(backendFor('openai', url).complete(ask('hi')))
    assert.equal(error.kind, 'interrupted')
    assert.equal(error.details.errorClass, 'incomplete')
  })
  await withRawServer((res) => sse(res, [anthropicStart], true), async (url) => {
    const error = await modelError(backendFor('anthropic', url).complete(ask('hi')))
    assert.equal(error.kind, 'retry')
    assert.equal(error.details.errorClass, 'incomplete')
  })
})

test('openai: arguments that are not JSON are kept raw, empty ones are {}', async () => {
  const chunks = [
    openaiChunk({ role: 'assistant', content: null }),
    openaiChunk({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'add', arguments: '{"a": 1,' } }] }),
    openaiChunk({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'now', arguments: '' } }] }),
    openaiChunk({}, 'tool_calls'),
  ]
  await withRawServer((res) => sse(res, chunks, true), async (url) => {
    const turn = await backendFor('openai', url).complete(ask('hi'))
    assert.deepEqual(turn.toolCalls, [
      { id: 'call_a', name: 'add', arguments: { unparsed: '{"a": 1,' } },
      { id: 'call_b', name: 'now', arguments: {} },
    ])
    assert.deepEqual(turn.usage, { inputTokens: 0, outputTokens: 0 })
  })
})

// --- Pure helpers

test('parseToolArguments, maxTokensParam, headerReader and redact', () => {
  assert.deepEqual(parseToolArguments(''), {})
  assert.deepEqual(parseToolArguments(' {"a":1} '), { a: 1 })
  assert.deepEqual(parseToolArguments('[1,2]'), { unparsed: '[1,2]' })
  assert.deepEqual(parseToolArguments('{"a":'), { unparsed: '{"a":' })

  assert.deepEqual(maxTokensParam('https://api.openai.com/v1', 100), { max_completion_tokens: 100 })
  assert.deepEqual(maxTokensParam('http://localhost:11434/v1', 100), { max_tokens: 100 })

  assert.equal(headerReader(new Headers({ 'Retry-After': '3' }))?.get('retry-after'), '3')
  assert.equal(headerReader({ 'Retry-After-Ms': 1500 })?.get('retry-after-ms'), '1500')
  assert.equal(headerReader({})?.get('retry-after'), null)
  assert.equal(headerReader(undefined), undefined)

  assert.equal(redact('key sk-1 and sk-1 again', ['sk-1', '']), 'key [redacted] and [redacted] again')
})
