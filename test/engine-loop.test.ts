import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import type { FakeModelServer, RecordedRequest } from './support/fake-model-server.js'
import {
  buildEngine, eventsOfType, label, manifestText, modelEntry, ofType, OTHER, PROVIDERS, withServers, withTempDir, writeBoomPlugin,
  type AgentSpec, type Harness, type Provider,
} from './support/engine/harness.js'
import { conversation } from './support/engine/wire.js'

const CONTINUE_PROMPT = 'Your answer was cut off at the output token limit. Continue exactly where you stopped, without repeating anything.'

/** A temp workspace with `notes/a.txt`, a fake server, and an engine for `spec` pointing at it. */
async function withAgent(
  provider: Provider,
  spec: (server: FakeModelServer, dir: string) => Partial<AgentSpec>,
  run: (harness: Harness, server: FakeModelServer) => Promise<void>,
): Promise<void> {
  await withServers(1, async (server) => {
    await withTempDir(async (dir) => {
      mkdirSync(join(dir, 'notes'))
      writeFileSync(join(dir, 'notes', 'a.txt'), 'alpha')
      const harness = await buildEngine(dir, manifestText({ model: modelEntry(provider, server!), ...spec(server!, dir) }))
      await run(harness, server!)
    })
  })
}

function toolNames(request: RecordedRequest): string[] {
  const tools = (request.body.tools ?? []) as Record<string, any>[]
  return tools.map((tool) => (request.provider === 'openai' ? tool.function.name : tool.name) as string)
}

function lastMessage(request: RecordedRequest): Record<string, any> {
  return request.body.messages.at(-1)
}

describe('tool loop', () => {
  for (const provider of PROVIDERS) {
    test(`${provider}: list_dir, file_read, file_write over several turns, then a final answer`, async () => {
      await withAgent(provider, () => ({ instructions: 'Work with files.', skills: ['file_read', 'file_write', 'list_dir'] }), async (harness, server) => {
        server.enqueue(
          { text: 'Looking around.', toolCalls: [{ id: 'call_1', name: 'list_dir', arguments: { path: 'notes' } }] },
          { toolCalls: [{ id: 'call_2', name: 'file_read', arguments: { path: 'notes/a.txt' } }] },
          { toolCalls: [{ id: 'call_3', name: 'file_write', arguments: { path: 'notes/b.txt', content: 'beta' } }] },
          { text: 'Copied alpha and wrote beta.' },
        )

        const result = await harness.run('Look at the notes and write b.txt.')

        assert.equal(result.status, 'completed', result.reason)
        assert.equal(result.output, 'Copied alpha and wrote beta.')
        assert.equal(result.turns, 4)
        assert.equal(readFileSync(join(harness.dir, 'notes', 'b.txt'), 'utf8'), 'beta')
        assert.equal(server.requests.length, 4)

        for (const request of server.requests) {
          assert.deepEqual(toolNames(request), ['file_read', 'file_write', 'list_dir'])
          if (provider === 'openai') assert.deepEqual(request.body.messages[0], { role: 'system', content: 'Work with files.' })
          else assert.equal(request.body.system, 'Work with files.')
        }
        // Each request carries everything before it: the tool calls stay in history, each followed by its result.
        const expected = [
          'user: Look at the notes and write b.txt.',
          'assistant: Looking around.',
          'call call_1 list_dir {"path":"notes"}',
          'result call_1 a.txt',
          'call call_2 file_read {"path":"notes/a.txt"}',
          'result call_2 alpha',
          'call call_3 file_write {"path":"notes/b.txt","content":"beta"}',
          "result call_3 wrote 4 bytes to 'notes/b.txt'",
        ]
        assert.deepEqual(conversation(server.requests[0]!), expected.slice(0, 1))
        assert.deepEqual(conversation(server.requests[1]!), expected.slice(0, 4))
        assert.deepEqual(conversation(server.requests[2]!), expected.slice(0, 6))
        assert.deepEqual(conversation(server.requests[3]!), expected)

        const entries = harness.transcript(result.sessionId)
        assert.deepEqual(ofType(entries, 'tool_call').map((entry) => [entry.turn, entry.callId, entry.name]), [
          [1, 'call_1', 'list_dir'], [2, 'call_2', 'file_read'], [3, 'call_3', 'file_write'],
        ])
        assert.deepEqual(ofType(entries, 'tool_result').map((entry) => [entry.callId, entry.isError]), [['call_1', false], ['call_2', false], ['call_3', false]])
        assert.deepEqual(ofType(entries, 'assistant_message').map((entry) => entry.stopReason), ['tool_calls', 'tool_calls', 'tool_calls', 'end'])
        // The text streamed as deltas, in order.
        assert.equal(eventsOfType(harness.events, 'text_delta').map((event) => event.text).join(''), 'Looking around.Copied alpha and wrote beta.')
      })
    })

    test(`${provider}: parallel tool calls in one turn both run; results go back with matching ids`, async () => {
      await withAgent(provider, () => ({ skills: ['file_read', 'list_dir'] }), async (harness, server) => {
        server.enqueue(
          {
            text: 'Reading both.',
            toolCalls: [
              { id: 'call_p1', name: 'file_read', arguments: { path: 'notes/a.txt' } },
              { id: 'call_p2', name: 'list_dir', arguments: { path: 'notes' } },
            ],
          },
          { text: 'Both done.' },
        )

        const result = await harness.run('Read and list at once.')

        assert.equal(result.status, 'completed', result.reason)
        assert.equal(result.turns, 2)
        const entries = harness.transcript(result.sessionId)
        assert.deepEqual(ofType(entries, 'tool_result').map((entry) => [entry.callId, entry.name, entry.content, entry.isError]).sort(), [
          ['call_p1', 'file_read', 'alpha', false],
          ['call_p2', 'list_dir', 'a.txt', false],
        ])
        assert.ok(ofType(entries, 'tool_result').every((entry) => entry.turn === 1))

        const next = server.requests[1]!
        if (provider === 'openai') {
          const messages = next.body.messages as Record<string, any>[]
          assert.deepEqual(messages.map((message) => message.role), ['system', 'user', 'assistant', 'tool', 'tool'])
          assert.equal(messages[2]!.content, 'Reading both.')
          assert.deepEqual(messages[2]!.tool_calls.map((call: any) => [call.id, call.type, call.function.name, JSON.parse(call.function.arguments)]), [
            ['call_p1', 'function', 'file_read', { path: 'notes/a.txt' }],
            ['call_p2', 'function', 'list_dir', { path: 'notes' }],
          ])
          assert.deepEqual(messages.slice(3), [
            { role: 'tool', tool_call_id: 'call_p1', content: 'alpha' },
            { role: 'tool', tool_call_id: 'call_p2', content: 'a.txt' },
          ])
        } else {
          const messages = next.body.messages as Record<string, any>[]
          assert.deepEqual(messages.map((message) => message.role), ['user', 'assistant', 'user'])
          assert.deepEqual(messages[1]!.content, [
            { type: 'text', text: 'Reading both.' },
            { type: 'tool_use', id: 'call_p1', name: 'file_read', input: { path: 'notes/a.txt' } },
            { type: 'tool_use', id: 'call_p2', name: 'list_dir', input: { path: 'notes' } },
          ])
          assert.deepEqual(messages[2]!.content, [
            { type: 'tool_result', tool_use_id: 'call_p1', content: 'alpha', is_error: false },
            { type: 'tool_result', tool_use_id: 'call_p2', content: 'a.txt', is_error: false },
          ])
        }
      })
    })

    test(`${provider}: a tool that throws returns an error result and the run goes on`, async () => {
      await withAgent(provider, (_server, dir) => ({ plugins: [writeBoomPlugin(dir)] }), async (harness, server) => {
        server.enqueue({ toolCalls: [{ id: 'call_b', name: 'boom', arguments: {} }] }, { text: 'The tool failed; sorry.' })

        const result = await harness.run('Use boom.')

        assert.equal(result.status, 'completed', result.reason)
        assert.equal(result.output, 'The tool failed; sorry.')
        const [toolResult] = ofType(harness.transcript(result.sessionId), 'tool_result')
        assert.equal(toolResult!.isError, true)
        assert.match(toolResult!.content, /kaboom/)
        assert.deepEqual(conversation(server.requests[1]!).slice(-1), [`result call_b ${toolResult!.content}`])
        if (provider === 'anthropic') assert.equal(lastMessage(server.requests[1]!).content[0].is_error, true)
      })
    })

    test(`${provider}: a call to a tool the agent was not given returns "not available"`, async () => {
      await withAgent(provider, () => ({ skills: ['file_read'] }), async (harness, server) => {
        server.enqueue({ toolCalls: [{ id: 'call_x', name: 'shell', arguments: { command: 'rm -rf /' } }] }, { text: 'I cannot do that.' })

        const result = await harness.run('Delete everything.')

        assert.equal(result.status, 'completed', result.reason)
        assert.deepEqual(toolNames(server.requests[0]!), ['file_read'])
        const [toolResult] = ofType(harness.transcript(result.sessionId), 'tool_result')
        assert.equal(toolResult!.isError, true)
        assert.match(toolResult!.content, /tool `shell` is not available to this agent; available: file_read/)
        assert.deepEqual(conversation(server.requests[1]!).slice(-1), [`result call_x ${toolResult!.content}`])
      })
    })

    test(`${provider}: arguments that break the tool's schema return an error result`, async () => {
      await withAgent(provider, () => ({ skills: ['file_read'] }), async (harness, server) => {
        server.enqueue(
          {
            toolCalls: [
              { id: 'call_m', name: 'file_read', arguments: {} },
              { id: 'call_u', name: 'file_read', arguments: { path: 'notes/a.txt', bogus: true } },
              { id: 'call_t', name: 'file_read', arguments: { path: 42 } },
            ],
          },
          { toolCalls: [{ id: 'call_ok', name: 'file_read', arguments: { path: 'notes/a.txt' } }] },
          { text: 'Got it right eventually.' },
        )

        const result = await harness.run('Read a.txt.')

        assert.equal(result.status, 'completed', result.reason)
        const results = ofType(harness.transcript(result.sessionId), 'tool_result')
        const byId = new Map(results.map((entry) => [entry.callId, entry]))
        assert.match(byId.get('call_m')!.content, /invalid arguments for `file_read`: missing argument `path`/)
        assert.match(byId.get('call_u')!.content, /invalid arguments for `file_read`: unknown argument `bogus`/)
        assert.match(byId.get('call_t')!.content, /invalid arguments for `file_read`: path must be string/)
        for (const id of ['call_m', 'call_u', 'call_t']) assert.equal(byId.get(id)!.isError, true)
        assert.deepEqual([byId.get('call_ok')!.content, byId.get('call_ok')!.isError], ['alpha', false])
        assert.deepEqual(conversation(server.requests[1]!).filter((line) => line.startsWith('result ')).map((line) => line.split(' ')[1]), ['call_m', 'call_u', 'call_t'])
      })
    })

    test(`${provider}: maxTurns exhaustion fails with the documented reason`, async () => {
      await withAgent(provider, () => ({ skills: ['list_dir'], limits: { maxTurns: 3 } }), async (harness, server) => {
        server.respond(() => ({ toolCalls: [{ name: 'list_dir', arguments: {} }] }))

        const result = await harness.run('Loop forever.')

        assert.equal(result.status, 'failed')
        assert.equal(result.reason, 'the agent did not finish within limits.maxTurns (3 turns)')
        assert.equal(result.turns, 3)
        assert.equal(server.requests.length, 3)
        const entries = harness.transcript(result.sessionId)
        assert.equal(ofType(entries, 'tool_result').length, 3)
        assert.deepEqual(ofType(entries, 'run_end').map((entry) => [entry.status, entry.reason, entry.turns]), [['failed', result.reason, 3]])
      })
    })

    test(`${provider}: an answer cut off at the token limit is continued and the parts concatenated`, async () => {
      await withAgent(provider, () => ({}), async (harness, server) => {
        server.enqueue({ text: 'The first half, ', finishReason: 'length' }, { text: 'and the second half.' })

        const result = await harness.run('Write a long answer.')

        assert.equal(result.status, 'completed', result.reason)
        assert.equal(result.output, 'The first half, and the second half.')
        assert.equal(result.turns, 2)
        assert.equal(server.requests.length, 2)
        assert.deepEqual(conversation(server.requests[1]!), ['user: Write a long answer.', 'assistant: The first half, ', `user: ${CONTINUE_PROMPT}`])
        assert.equal(lastMessage(server.requests[1]!).role, 'user')
        const entries = harness.transcript(result.sessionId)
        assert.deepEqual(ofType(entries, 'assistant_message').map((entry) => entry.stopReason), ['length', 'end'])
        assert.deepEqual(ofType(entries, 'user_message').map((entry) => entry.content), ['Write a long answer.', CONTINUE_PROMPT])
      })
    })

    test(`${provider}: an answer still cut off after 3 continuations fails`, async () => {
      await withAgent(provider, () => ({}), async (harness, server) => {
        server.respond(() => ({ text: 'more ', finishReason: 'length' }))

        const result = await harness.run('Never stop.')

        assert.equal(result.status, 'failed')
        assert.match(result.reason!, /still cut off at the token limit after 3 continuations/)
        assert.equal(server.requests.length, 4)
        assert.equal(result.output, 'more more more more ')
      })
    })

    test(`${provider}: limits.maxTokens stops the run between turns`, async () => {
      await withAgent(provider, () => ({ skills: ['list_dir'], limits: { maxTokens: 250 } }), async (harness, server) => {
        server.respond(() => ({ toolCalls: [{ name: 'list_dir', arguments: {} }], usage: { input: 100, output: 50 } }))

        const result = await harness.run('Spend tokens.')

        assert.equal(result.status, 'failed')
        assert.equal(result.reason, 'token budget reached: 300 of limits.maxTokens 250')
        assert.equal(server.requests.length, 2, 'the turn that crossed the cap finished; no further turn started')
        assert.equal(result.turns, 2)
        assert.deepEqual(result.usage, [{ model: label(provider), inputTokens: 200, outputTokens: 100, costUsd: 0 }])
        assert.equal(ofType(harness.transcript(result.sessionId), 'tool_result').length, 2)
      })
    })

    test(`${provider}: limits.maxCostUsd with pricing stops the run between turns`, async () => {
      await withAgent(provider, (server) => ({
        model: modelEntry(provider, server, { pricing: { inputPerMTok: 10, outputPerMTok: 30 } }),
        skills: ['list_dir'],
        limits: { maxCostUsd: 0.04 },
      }), async (harness, server) => {
        server.respond(() => ({ toolCalls: [{ name: 'list_dir', arguments: {} }], usage: { input: 1000, output: 500 } }))

        const result = await harness.run('Spend money.')

        assert.equal(result.status, 'failed')
        assert.equal(result.reason, 'cost budget reached: $0.0500 of limits.maxCostUsd $0.04')
        assert.equal(server.requests.length, 2)
        assert.ok(Math.abs(result.costUsd - 0.05) < 1e-9, String(result.costUsd))
        assert.equal(result.usage.length, 1)
        assert.ok(Math.abs(result.usage[0]!.costUsd - 0.05) < 1e-9)
        const usage = ofType(harness.transcript(result.sessionId), 'usage')
        assert.deepEqual(usage.map((entry) => [entry.model, entry.inputTokens, entry.outputTokens]), [[label(provider), 1000, 500], [label(provider), 1000, 500]])
        for (const entry of usage) assert.ok(Math.abs(entry.costUsd - 0.025) < 1e-9)
      })
    })

    test(`${provider}: after a failover the run stays on the fallback, and the result sums usage and cost per model`, async () => {
      await withServers(2, async (first, second) => {
        await withTempDir(async (dir) => {
          const other = OTHER[provider]
          const harness = await buildEngine(dir, manifestText({
            model: modelEntry(provider, first!, { pricing: { inputPerMTok: 1, outputPerMTok: 2 } }),
            fallbacks: [modelEntry(other, second!, { pricing: { inputPerMTok: 3, outputPerMTok: 4 } })],
            skills: ['list_dir'],
          }))
          first!.enqueue(
            { toolCalls: [{ name: 'list_dir', arguments: {} }], usage: { input: 1000, output: 100 } },
            { fault: { status: 400, message: 'context too long for this model' } },
          )
          second!.enqueue(
            { toolCalls: [{ name: 'list_dir', arguments: {} }], usage: { input: 500, output: 50 } },
            { toolCalls: [{ name: 'list_dir', arguments: {} }], usage: { input: 700, output: 70 } },
            { text: 'Done.', usage: { input: 600, output: 60 } },
          )

          const result = await harness.run('Work across models.')

          assert.equal(result.status, 'completed', result.reason)
          assert.equal(result.turns, 4)
          assert.equal(first!.requests.length, 2, 'turns after the failover do not go back to the failed model')
          const [primaryUsage, fallbackUsage] = result.usage
          assert.deepEqual([primaryUsage!.model, primaryUsage!.inputTokens, primaryUsage!.outputTokens], [label(provider), 1000, 100])
          assert.deepEqual([fallbackUsage!.model, fallbackUsage!.inputTokens, fallbackUsage!.outputTokens], [label(other), 1800, 180])
          assert.ok(Math.abs(primaryUsage!.costUsd - (1000 * 1 + 100 * 2) / 1e6) < 1e-12)
          assert.ok(Math.abs(fallbackUsage!.costUsd - (1800 * 3 + 180 * 4) / 1e6) < 1e-12)
          assert.ok(Math.abs(result.costUsd - primaryUsage!.costUsd - fallbackUsage!.costUsd) < 1e-12)
          const entries = harness.transcript(result.sessionId)
          assert.deepEqual(ofType(entries, 'assistant_message').map((entry) => entry.model), [label(provider), label(other), label(other), label(other)])
          assert.deepEqual(ofType(entries, 'run_end')[0]!.usage, result.usage)
          // The fallback was handed the whole conversation, tool calls and results included.
          assert.equal(conversation(second!.requests[2]!).filter((line) => line.startsWith('result ')).length, 3)
        })
      })
    })
  }
})

describe('scripted provider', () => {
  test('faults (429 with retryAfter, 503, timeout) go through retry offline, then the script plays on', async () => {
    await withTempDir(async (dir) => {
      const harness = await buildEngine(dir, manifestText({
        model: {
          provider: 'scripted',
          script: [
            { error: 429, retryAfter: 1 },
            { text: 'Listing.', toolCalls: [{ name: 'list_dir', arguments: { path: '.' } }] },
            { error: 503 },
            { timeout: true },
            { text: 'All done offline.' },
          ],
        },
        skills: ['list_dir'],
      }))

      const result = await harness.run('Work offline.')

      assert.equal(result.status, 'completed', result.reason)
      assert.equal(result.output, 'All done offline.')
      assert.equal(result.turns, 2)
      assert.equal(harness.delays.length, 3)
      assert.equal(harness.delays[0], 1000, 'retryAfter: 1 is honoured')
      assert.ok(harness.delays[1]! >= 250 && harness.delays[1]! <= 500, `first backoff of turn 2: ${harness.delays[1]}`)
      assert.ok(harness.delays[2]! >= 500 && harness.delays[2]! <= 1000, `second backoff of turn 2: ${harness.delays[2]}`)
      const entries = harness.transcript(result.sessionId)
      assert.deepEqual(ofType(entries, 'model_retry').map((entry) => [entry.turn, entry.model, entry.attempt, entry.status]), [
        [1, 'scripted', 1, 429], [2, 'scripted', 1, 503], [2, 'scripted', 2, undefined],
      ])
      assert.deepEqual(ofType(entries, 'tool_result').map((entry) => entry.isError), [false])
      assert.deepEqual(ofType(entries, 'assistant_message').map((entry) => entry.model), ['scripted', 'scripted'])
    })
  })

  test('a scripted 401 fails over to the next model as a credential problem', async () => {
    await withTempDir(async (dir) => {
      const harness = await buildEngine(dir, manifestText({
        model: { provider: 'scripted', name: 'first', script: [{ error: 401 }] },
        fallbacks: [{ provider: 'scripted', name: 'second', script: [{ text: 'Second model here.' }] }],
      }))

      const result = await harness.run('Who answers?')

      assert.equal(result.status, 'completed', result.reason)
      assert.equal(result.output, 'Second model here.')
      assert.deepEqual(harness.delays, [])
      const [failover] = ofType(harness.transcript(result.sessionId), 'model_failover')
      assert.deepEqual([failover!.from, failover!.to, failover!.credential], ['scripted:first', 'scripted:second', true])
    })
  })
})
