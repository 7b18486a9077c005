import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { FailoverModel } from '../src/engine/llm/failover.js'
import type { ModelBackend } from '../src/engine/llm/contract.js'
import { ModelError } from '../src/engine/llm/model-error.js'
import type { TranscriptEntry } from '../src/engine/transcript/contract.js'
import type { FakeModelServer, ScriptStep } from './support/fake-model-server.js'
import {
  buildEngine, label, manifestText, MODEL_NAMES, modelEntry, ofType, OTHER, PROVIDERS, requestsFor, withServers, withTempDir,
  type Harness,
} from './support/engine/harness.js'

const PARTIAL_ANSWER = 'The partial answer that breaks'

type Kind = 'retry' | 'next-model' | 'credential' | 'interrupted'

interface FaultCase {
  name: string
  step: ScriptStep
  kind: Kind
  /** The HTTP status the retry event and the reason carry. */
  status?: number
  /** What the model's error message says. */
  reason: RegExp
  timeoutMs?: number
  /** Exact backoff delays, when the server dictates them (Retry-After). */
  delays?: number[]
}

const MAX_RETRIES = 2
const ATTEMPTS = MAX_RETRIES + 1
const RETRY = { maxRetries: MAX_RETRIES, backoffBaseMs: 500, backoffMaxMs: 30000 }

const http = (status: number, kind: Kind, extra: Partial<FaultCase> = {}): FaultCase => ({
  name: `HTTP ${status}`, step: { fault: { status } }, kind, status, reason: new RegExp(`\\b${status}\\b`), ...extra,
})

const FAULTS: FaultCase[] = [
  http(429, 'retry', { name: 'HTTP 429 with Retry-After: 2', step: { fault: { status: 429, retryAfter: 2 } }, delays: [2000, 2000] }),
  http(503, 'retry'),
  http(500, 'retry'),
  http(408, 'retry'),
  http(409, 'retry'),
  { name: 'dropped connection', step: { fault: 'drop' }, kind: 'retry', reason: /connection/ },
  { name: 'stalled request (timeoutMs: 150)', step: { fault: 'stall' }, kind: 'retry', reason: /timed out/, timeoutMs: 150 },
  { name: 'malformed body', step: { fault: 'malformed' }, kind: 'retry', reason: /malformed/ },
  http(400, 'next-model'),
  http(404, 'next-model'),
  http(422, 'next-model'),
  http(401, 'credential'),
  http(403, 'credential'),
  { name: 'stream cut mid-answer', step: { fault: 'midstream', text: PARTIAL_ANSWER }, kind: 'interrupted', reason: /broke off mid-stream/ },
]

type Mode = 'no fallback' | 'fallback on the same server' | 'fallback on a second server'
const MODES: Mode[] = ['no fallback', 'fallback on the same server', 'fallback on a second server']

const FALLBACK_ANSWER = 'Answered by the fallback.'

function attemptsFor(kind: Kind): number {
  return kind === 'retry' ? ATTEMPTS : 1
}

/** Backoff for attempt `n` (1-based) lies in [ceiling/2, ceiling], ceiling = min(base * 2^(n-1), max). */
function assertJitteredBackoff(delays: readonly number[], base: number, max: number): void {
  delays.forEach((delay, index) => {
    const ceiling = Math.min(base * 2 ** index, max)
    assert.ok(delay >= Math.floor(ceiling / 2) && delay <= ceiling, `delay ${index + 1} is ${delay}, outside [${ceiling / 2}, ${ceiling}]`)
  })
}

function assertStamped(entries: readonly TranscriptEntry[], sessionId: string): void {
  entries.forEach((entry, index) => {
    assert.equal(entry.sessionId, sessionId)
    assert.equal(entry.seq, index + 1)
    assert.equal(typeof entry.turn, 'number')
    assert.ok(!Number.isNaN(Date.parse(entry.timestamp)), `timestamp of line ${index + 1}`)
  })
}

describe('failover matrix', () => {
  for (const provider of PROVIDERS) {
    for (const fault of FAULTS) {
      for (const mode of MODES) {
        test(`${provider}: ${fault.name}, ${mode}`, async () => {
          await withServers(mode === 'fallback on a second server' ? 2 : 1, async (primaryServer: FakeModelServer, second?: FakeModelServer) => {
            await withTempDir(async (dir) => {
              const primary = { provider, server: primaryServer, name: MODEL_NAMES[provider] }
              const fallback = mode === 'no fallback' ? undefined
                : mode === 'fallback on the same server' ? { provider, server: primaryServer, name: `${MODEL_NAMES[provider]}-fallback` }
                  : { provider: OTHER[provider], server: second!, name: MODEL_NAMES[OTHER[provider]] }
              const harness = await buildEngine(dir, manifestText({
                model: modelEntry(provider, primaryServer, { retry: RETRY, ...(fault.timeoutMs ? { timeoutMs: fault.timeoutMs } : {}) }),
                fallbacks: fallback ? [modelEntry(fallback.provider, fallback.server, { name: fallback.name, retry: RETRY })] : [],
              }))
              const attempts = attemptsFor(fault.kind)
              for (let index = 0; index < attempts; index++) primaryServer.enqueue(fault.step)
              fallback?.server.enqueue({ text: FALLBACK_ANSWER, usage: { input: 20, output: 5 } })

              const result = await harness.run('Say something useful.')
              const entries = harness.transcript(result.sessionId)
              assertStamped(entries, result.sessionId)
              const primaryLabel = label(primary.provider, primary.name)
              const fallbackLabel = fallback ? label(fallback.provider, fallback.name) : undefined

              // Attempts per server and per model.
              assert.equal(requestsFor(primaryServer, primary.name).length, attempts, 'requests to the primary model')
              if (fallback) {
                const expected = fault.kind === 'interrupted' ? 0 : 1
                assert.equal(requestsFor(fallback.server, fallback.name).length, expected, 'requests to the fallback model')
                if (second) assert.equal(second.requests.length, expected, 'requests to the second server')
              }
              assert.equal(primaryServer.requests.length, attempts + (fallback?.server === primaryServer && fault.kind !== 'interrupted' ? 1 : 0))

              // Retries: one event per retry, each with the delay the engine slept.
              const retries = ofType(entries, 'model_retry')
              assert.equal(retries.length, attempts - 1)
              assert.deepEqual(retries.map((retry) => retry.attempt), retries.map((_, index) => index + 1))
              assert.deepEqual(retries.map((retry) => retry.delayMs), harness.delays)
              for (const retry of retries) {
                assert.equal(retry.model, primaryLabel)
                assert.match(retry.reason, fault.reason)
                assert.equal(retry.status, fault.status)
                assert.equal(retry.turn, 1)
              }
              if (fault.delays) assert.deepEqual(harness.delays, fault.delays)
              else assertJitteredBackoff(harness.delays, RETRY.backoffBaseMs, RETRY.backoffMaxMs)

              // Failover: one event when the primary gives up (never for a broken stream).
              const failovers = ofType(entries, 'model_failover')
              if (fault.kind === 'interrupted') {
                assert.equal(failovers.length, 0, 'a broken stream is not handed to another model')
              } else {
                assert.equal(failovers.length, 1)
                const [failover] = failovers
                assert.equal(failover!.from, primaryLabel)
                assert.equal(failover!.to, fallbackLabel ?? null)
                assert.equal(failover!.credential, fault.kind === 'credential')
                assert.match(failover!.reason, fault.reason)
                if (fault.kind === 'retry') assert.match(failover!.reason, new RegExp(`after ${ATTEMPTS} attempts`))
              }

              // No task is lost, whatever happens.
              assert.deepEqual(ofType(entries, 'user_message').map((entry) => entry.content), ['Say something useful.'])
              const end = ofType(entries, 'run_end')
              assert.equal(end.length, 1)
              assert.equal(end[0]!.status, result.status)
              assert.equal(entries.at(-1)!.type, 'run_end')

              if (fallback && fault.kind !== 'interrupted') {
                assert.equal(result.status, 'completed', result.reason)
                assert.equal(result.output, FALLBACK_ANSWER)
                const answers = ofType(entries, 'assistant_message')
                assert.deepEqual(answers.map((answer) => answer.model), [fallbackLabel])
                assert.deepEqual(result.usage, [{ model: fallbackLabel, inputTokens: 20, outputTokens: 5, costUsd: 0 }])
                return
              }

              assert.equal(result.status, 'failed')
              assert.deepEqual(result.usage, [])
              assert.equal(end[0]!.reason, result.reason)
              if (fault.kind === 'interrupted') {
                // What already streamed to the user is kept, so `--session` can continue from it.
                assert.equal(result.output, PARTIAL_ANSWER)
                assert.deepEqual(ofType(entries, 'assistant_message').map((answer) => [answer.model, answer.content, answer.stopReason]), [[primaryLabel, PARTIAL_ANSWER, 'interrupted']])
              } else {
                assert.equal(result.output, '')
                assert.equal(ofType(entries, 'assistant_message').length, 0)
              }
              if (fault.kind === 'interrupted') {
                // The error code itself is asserted in 'a stream cut mid-answer' below.
                assert.ok(result.reason!.includes(`${primaryLabel}: the answer broke off mid-stream`), result.reason)
              } else {
                assert.match(result.reason!, /every model failed/)
                assert.ok(result.reason!.includes(`${primaryLabel}: ${fault.kind === 'credential' ? 'credential problem: ' : ''}`), result.reason)
                assert.match(result.reason!, fault.reason)
              }
            })
          })
        })
      }
    }
  }
})

describe('a stream cut mid-answer', () => {
  for (const provider of PROVIDERS) {
    const run = async (check: (result: Awaited<ReturnType<Harness['run']>>, entries: TranscriptEntry[], server: FakeModelServer) => void) => {
      await withServers(1, async (server) => {
        await withTempDir(async (dir) => {
          const harness = await buildEngine(dir, manifestText({
            model: modelEntry(provider, server!, { retry: RETRY }),
            fallbacks: [modelEntry(provider, server!, { name: 'spare', retry: RETRY })],
          }))
          server!.enqueue({ fault: 'midstream', text: PARTIAL_ANSWER }, { text: 'never used' })
          const result = await harness.run('Tell me a long story.')
          check(result, harness.transcript(result.sessionId), server!)
        })
      })
    }

    test(`${provider}: is not retried, not handed to the fallback, and fails with E_MODEL_STREAM_INTERRUPTED in the reason`, async () => {
      await run((result, entries, server) => {
        assert.equal(server.requests.length, 1)
        assert.equal(ofType(entries, 'model_retry').length, 0)
        assert.equal(ofType(entries, 'model_failover').length, 0)
        assert.equal(result.status, 'failed')
        assert.match(result.reason!, /E_MODEL_STREAM_INTERRUPTED/)
      })
    })

    test(`${provider}: the partial answer is kept in the transcript, as the error's hint promises`, async () => {
      await run((result, entries) => {
        assert.equal(result.status, 'failed')
        const lines = entries.map((entry) => JSON.stringify(entry))
        assert.ok(lines.some((line) => line.includes(PARTIAL_ANSWER)), 'the partial answer is in the transcript')
      })
    })
  }
})

describe('when every model fails', () => {
  for (const provider of PROVIDERS) {
    test(`${provider}: the reason summarises each model's last error, in chain order`, async () => {
      await withServers(2, async (first, second) => {
        await withTempDir(async (dir) => {
          const other = OTHER[provider]
          const harness = await buildEngine(dir, manifestText({
            model: modelEntry(provider, first!, { retry: RETRY }),
            fallbacks: [
              modelEntry(provider, first!, { name: 'backup-model', retry: RETRY }),
              modelEntry(other, second!, { retry: RETRY }),
            ],
          }))
          first!.enqueue({ fault: { status: 503 } }, { fault: { status: 503 } }, { fault: { status: 502 } }, { fault: { status: 404, message: 'no such model' } })
          second!.enqueue({ fault: { status: 401, message: 'bad key' } })

          const result = await harness.run('Anyone there?')

          assert.equal(result.status, 'failed')
          const lines = result.reason!.split('\n').map((line) => line.trim())
          assert.equal(lines[0], 'E_MODEL_UNAVAILABLE: every model failed:')
          assert.equal(lines.length, 4)
          assert.ok(lines[1]!.startsWith(`${label(provider)}: `) && /\b502\b/.test(lines[1]!) && lines[1]!.endsWith(`(after ${ATTEMPTS} attempts)`), lines[1])
          assert.ok(lines[2]!.startsWith(`${label(provider, 'backup-model')}: `) && /404/.test(lines[2]!) && /no such model/.test(lines[2]!), lines[2])
          assert.ok(lines[3]!.startsWith(`${label(other)}: credential problem: `) && /401/.test(lines[3]!) && /bad key/.test(lines[3]!), lines[3])
          assert.ok(!result.reason!.includes('test-key'), 'no key in the reason')

          const entries = harness.transcript(result.sessionId)
          const failovers = ofType(entries, 'model_failover')
          assert.deepEqual(failovers.map((event) => [event.from, event.to, event.credential]), [
            [label(provider), label(provider, 'backup-model'), false],
            [label(provider, 'backup-model'), label(other), false],
            [label(other), null, true],
          ])
          assert.deepEqual(ofType(entries, 'model_retry').map((event) => event.status), [503, 503])
          assert.deepEqual(ofType(entries, 'user_message').map((entry) => entry.content), ['Anyone there?'])
          assert.equal(ofType(entries, 'run_end')[0]!.reason, result.reason)
          assert.equal(first!.requests.length, ATTEMPTS + 1)
          assert.equal(second!.requests.length, 1)
        })
      })
    })
  }
})

describe('retry policy', () => {
  for (const provider of PROVIDERS) {
    test(`${provider}: exponential backoff with jitter (base 500, cap 30000), then success on the same model`, async () => {
      await withServers(1, async (server) => {
        await withTempDir(async (dir) => {
          const harness = await buildEngine(dir, manifestText({ model: modelEntry(provider, server!, { retry: { maxRetries: 3, backoffBaseMs: 500, backoffMaxMs: 30000 } }) }))
          server!.enqueue({ fault: { status: 503 } }, { fault: { status: 500 } }, { fault: 'drop' }, { text: 'Finally.' })

          const result = await harness.run('Try hard.')

          assert.equal(result.status, 'completed', result.reason)
          assert.equal(result.output, 'Finally.')
          assert.equal(server!.requests.length, 4)
          assert.equal(harness.delays.length, 3)
          assertJitteredBackoff(harness.delays, 500, 30000)
          const entries = harness.transcript(result.sessionId)
          assert.deepEqual(ofType(entries, 'model_retry').map((event) => [event.attempt, event.delayMs, event.status]), [
            [1, harness.delays[0], 503], [2, harness.delays[1], 500], [3, harness.delays[2], undefined],
          ])
          assert.equal(ofType(entries, 'model_failover').length, 0)
          assert.deepEqual(ofType(entries, 'assistant_message').map((event) => event.model), [label(provider)])
        })
      })
    })

    test(`${provider}: maxRetries: 0 makes a single attempt`, async () => {
      await withServers(1, async (server) => {
        await withTempDir(async (dir) => {
          const harness = await buildEngine(dir, manifestText({ model: modelEntry(provider, server!, { retry: { maxRetries: 0 } }) }))
          server!.enqueue({ fault: { status: 503 } }, { text: 'never sent' })

          const result = await harness.run('Once only.')

          assert.equal(result.status, 'failed')
          assert.equal(server!.requests.length, 1)
          assert.deepEqual(harness.delays, [])
          assert.match(result.reason!, /\(after 1 attempts\)/)
          const entries = harness.transcript(result.sessionId)
          assert.equal(ofType(entries, 'model_retry').length, 0)
          assert.equal(ofType(entries, 'model_failover').length, 1)
        })
      })
    })

    test(`${provider}: Retry-After is honoured, capped by backoffMaxMs`, async () => {
      await withServers(1, async (server) => {
        await withTempDir(async (dir) => {
          const harness = await buildEngine(dir, manifestText({ model: modelEntry(provider, server!, { retry: { maxRetries: 3, backoffBaseMs: 500, backoffMaxMs: 5000 } }) }))
          server!.enqueue({ fault: { status: 429, retryAfter: 60 } }, { fault: { status: 429, retryAfter: 1 } }, { fault: { status: 429, retryAfter: 0 } }, { text: 'ok' })

          const result = await harness.run('Rate limited.')

          assert.equal(result.status, 'completed', result.reason)
          assert.deepEqual(harness.delays, [5000, 1000, 0])
          assert.deepEqual(ofType(harness.transcript(result.sessionId), 'model_retry').map((event) => event.delayMs), [5000, 1000, 0])
        })
      })
    })
  }

  test('backoff bounds are exact: random 0 gives ceiling/2, random 1 gives the ceiling, capped by backoffMaxMs', async () => {
    for (const [random, expected] of [[0, [250, 500, 1000, 1500]], [1, [500, 1000, 2000, 3000]], [0.5, [375, 750, 1500, 2250]]] as const) {
      const delays: number[] = []
      let calls = 0
      const backend: ModelBackend = {
        label: 'stub:model',
        async complete() {
          calls++
          if (calls <= 4) throw new ModelError('retry', 'HTTP 503', { status: 503 })
          return { text: 'ok', toolCalls: [], stopReason: 'end', usage: { inputTokens: 1, outputTokens: 1 } }
        },
      }
      const model = new FailoverModel([{ backend, retry: { maxRetries: 4, backoffBaseMs: 500, backoffMaxMs: 3000 } }], {
        sleep: async (ms) => { delays.push(ms) },
        random: () => random,
      })
      const turn = await model.complete({ system: '', messages: [], tools: [] }, { emit: () => undefined })
      assert.equal(turn.model, 'stub:model')
      assert.deepEqual(delays, expected, `random ${random}`)
    }
  })
})
