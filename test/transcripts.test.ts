import assert from 'node:assert/strict'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { describe, test } from 'node:test'
import type { RunEvent } from '../src/engine/agent/events.js'
import type { TranscriptEntry } from '../src/engine/transcript/contract.js'
import { FileTranscriptStore } from '../src/engine/transcript/file-store.js'
import {
  buildEngine, label, manifestText, modelEntry, ofType, OTHER, PROVIDERS, readTranscriptFile, sessionsIn, TRANSCRIPT_DIR, withServers,
  withTempDir,
} from './support/engine/harness.js'
import { collect, runCliAsync, spawnCli } from './support/engine/cli-async.js'
import { conversation } from './support/engine/wire.js'
import { STACK_FRAME } from './support/cli.js'

/** Every event type that is written to a transcript (all but `text_delta`). */
const RECORDED_TYPES: RunEvent['type'][] = [
  'run_start', 'user_message', 'assistant_message', 'tool_call', 'tool_result', 'model_retry', 'model_failover',
  'approval_request', 'approval_decision', 'usage', 'run_end',
]

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

describe('transcript lines', () => {
  for (const provider of PROVIDERS) {
    test(`${provider}: every event type lands as one stamped JSON line, in emission order`, async () => {
      await withServers(2, async (first, second) => {
        await withTempDir(async (dir) => {
          const other = OTHER[provider]
          const text = manifestText({
            model: modelEntry(provider, first!),
            fallbacks: [modelEntry(other, second!)],
            skills: ['file_write', 'list_dir'],
          }) + 'approval:\n  channel: auto\n  require: [file_write]\n'
          const harness = await buildEngine(dir, text)
          first!.enqueue(
            { fault: { status: 503 } },
            { text: 'Writing it.', toolCalls: [{ id: 'call_w', name: 'file_write', arguments: { path: 'out.txt', content: 'hi' } }] },
            { fault: { status: 400 } },
          )
          second!.enqueue({ text: 'Wrote out.txt.' })

          const result = await harness.run('Write out.txt.')

          assert.equal(result.status, 'completed', result.reason)
          const raw = readFileSync(harness.transcriptPath(result.sessionId), 'utf8')
          const entries = harness.transcript(result.sessionId)
          assert.equal(raw.split('\n').length - 1, entries.length, 'one line per entry')

          const recordedEvents = harness.events.filter((event) => event.type !== 'text_delta')
          assert.deepEqual(entries.map((entry) => entry.type), recordedEvents.map((event) => event.type), 'every emitted event, in order')
          assert.ok(harness.events.some((event) => event.type === 'text_delta'), 'text streamed as deltas')
          assert.ok(!raw.includes('"text_delta"'), 'deltas are not written')
          assert.deepEqual([...new Set(entries.map((entry) => entry.type))].sort(), [...RECORDED_TYPES].sort())

          const runId = entries[0]!.runId
          assert.match(runId, /^[0-9a-f-]{36}$/)
          let previousTime = ''
          entries.forEach((entry, index) => {
            assert.equal(entry.sessionId, result.sessionId)
            assert.equal(entry.runId, runId)
            assert.equal(entry.seq, index + 1)
            assert.match(entry.timestamp, ISO_TIME)
            assert.ok(entry.timestamp >= previousTime, 'timestamps do not go back')
            previousTime = entry.timestamp
            assert.ok(Number.isInteger(entry.turn) && entry.turn >= 0 && entry.turn <= 2)
            const { sessionId: _s, runId: _r, seq: _q, timestamp: _t, turn: _u, ...event } = entry
            assert.deepEqual(event, recordedEvents[index], `line ${index + 1} is the event as emitted`)
          })
          const turnOf = (type: TranscriptEntry['type']) => entries.filter((entry) => entry.type === type).map((entry) => entry.turn)
          assert.deepEqual(turnOf('run_start'), [0])
          assert.deepEqual(turnOf('user_message'), [0])
          assert.deepEqual(turnOf('model_retry'), [1])
          assert.deepEqual(turnOf('tool_call'), [1])
          assert.deepEqual(turnOf('approval_request'), [1])
          assert.deepEqual(turnOf('model_failover'), [2])
          assert.deepEqual(turnOf('run_end'), [2])
          assert.deepEqual(ofType(entries, 'approval_decision').map((entry) => [entry.name, entry.approved]), [['file_write', true]])
          assert.deepEqual(ofType(entries, 'assistant_message').map((entry) => entry.model), [label(provider), label(other)])
          assert.equal(readFileSync(join(dir, 'out.txt'), 'utf8'), 'hi')
        })
      })
    })
  }

  test('read skips a malformed line of an old file with a warning; the session still resumes', async () => {
    await withTempDir(async (dir) => {
      const harness = await buildEngine(dir, manifestText({ model: { provider: 'scripted', script: [{ text: 'First answer.' }, { text: 'Second answer.' }] } }))
      const first = await harness.run('First task.')
      const file = harness.transcriptPath(first.sessionId)
      const good = readFileSync(file, 'utf8').split('\n').filter(Boolean)
      // An old file: a half-written line, JSON that is no entry, a blank line, then the rest.
      writeFileSync(file, [good[0], '{"type":"user_message","content":"cut o', '[1, 2, 3]', '{"type":"usage"}', '', ...good.slice(1), ''].join('\n'))

      const store = new FileTranscriptStore(join(dir, TRANSCRIPT_DIR))
      const { entries, warnings } = store.read(first.sessionId)
      assert.deepEqual(entries.map((entry) => entry.type), ['run_start', 'user_message', 'usage', 'assistant_message', 'run_end'])
      assert.equal(warnings.length, 3)
      assert.match(warnings[0]!, /^line 2: /)
      assert.equal(warnings[1], 'line 3: not a transcript entry')
      assert.equal(warnings[2], 'line 4: not a transcript entry')
      assert.deepEqual(store.list().map((session) => [session.sessionId, session.runs, session.lastStatus, session.firstTask]), [[first.sessionId, 1, 'completed', 'First task.']])

      const second = await harness.run('Second task.', { sessionId: first.sessionId })
      assert.equal(second.status, 'completed')
      const after = store.read(first.sessionId)
      assert.equal(after.warnings.length, 3, 'the old lines stay as they were')
      assert.deepEqual(after.entries.map((entry) => entry.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 'numbering continues after the last good line')
    })
  })
})

describe('secrets', () => {
  for (const provider of PROVIDERS) {
    test(`${provider}: the apiKey and the providers' key variables never reach the file, even when a tool echoes them`, async () => {
      await withServers(1, async (server) => {
        await withTempDir(async (dir) => {
          const apiKey = `sk-manifest-${provider}-SECRET-0a1b2c3d`
          const envKey = 'sk-env-openai-SECRET-9z8y7x6w'
          const quotedKey = 'ant-"quoted"\\SECRET-5u4v'
          const env = { OPENAI_API_KEY: envKey, ANTHROPIC_API_KEY: quotedKey }
          const harness = await buildEngine(dir, manifestText({ model: modelEntry(provider, server!, { apiKey }), skills: ['shell'] }), { env })
          server!.enqueue(
            { text: `I will echo ${apiKey}.`, toolCalls: [{ id: 'call_echo', name: 'shell', arguments: { command: `echo ${apiKey}; echo ${envKey}` } }] },
            { text: `The keys are ${apiKey} and ${envKey} and ${quotedKey}.` },
          )

          const result = await harness.run(`Echo my keys ${apiKey} ${envKey} ${quotedKey} please.`)

          assert.equal(result.status, 'completed', result.reason)
          const [toolResult] = harness.events.filter((event) => event.type === 'tool_result')
          assert.ok(toolResult?.type === 'tool_result' && toolResult.content.includes(apiKey) && toolResult.content.includes(envKey), 'the tool really echoed the keys')
          const raw = readFileSync(harness.transcriptPath(result.sessionId), 'utf8')
          for (const secret of [apiKey, envKey, quotedKey, JSON.stringify(quotedKey).slice(1, -1)]) {
            assert.ok(!raw.includes(secret), `${secret} is not in the transcript`)
          }
          assert.ok(!raw.includes('SECRET'), 'no fragment of any key either')
          const entries = harness.transcript(result.sessionId)
          assert.equal(ofType(entries, 'user_message')[0]!.content, 'Echo my keys [REDACTED] [REDACTED] [REDACTED] please.')
          assert.deepEqual(ofType(entries, 'tool_call')[0]!.arguments, { command: 'echo [REDACTED]; echo [REDACTED]' })
          assert.match(ofType(entries, 'tool_result')[0]!.content, /^exit code: 0\n[\s\S]*\[REDACTED\]\n\[REDACTED\]/)
          assert.equal(ofType(entries, 'assistant_message')[1]!.content, 'The keys are [REDACTED] and [REDACTED] and [REDACTED].')
          // The model itself still got the real conversation.
          assert.ok(conversation(server!.requests[1]!).some((line) => line.includes(apiKey)))
        })
      })
    })
  }

  test('every provider credential variable the backends read is redacted, ANTHROPIC_AUTH_TOKEN included', async () => {
    await withServers(1, async (server) => {
      await withTempDir(async (dir) => {
        const env = {
          OPENAI_API_KEY: 'sk-openai-env-SECRET-11111111',
          ANTHROPIC_API_KEY: 'sk-ant-env-SECRET-22222222',
          // The anthropic backend accepts this bearer token instead of a key (anthropic-backend.ts).
          ANTHROPIC_AUTH_TOKEN: 'ant-bearer-SECRET-33333333',
        }
        writeFileSync(join(dir, 'creds.txt'), Object.entries(env).map(([name, value]) => `${name}=${value}`).join('\n'))
        const harness = await buildEngine(dir, manifestText({ model: modelEntry('anthropic', server!), skills: ['file_read'] }), { env })
        server!.enqueue({ toolCalls: [{ id: 'call_c', name: 'file_read', arguments: { path: 'creds.txt' } }] }, { text: 'I read the credentials file.' })

        const result = await harness.run('Read creds.txt.')

        assert.equal(result.status, 'completed', result.reason)
        const raw = readFileSync(harness.transcriptPath(result.sessionId), 'utf8')
        for (const [name, value] of Object.entries(env)) assert.ok(!raw.includes(value), `the value of ${name} is not in the transcript`)
      })
    })
  })
})

describe('sessions', () => {
  for (const provider of PROVIDERS) {
    test(`${provider}: --session resumes with the first run's messages, tool calls and results`, async () => {
      await withServers(1, async (server) => {
        await withTempDir(async (dir) => {
          writeFileSync(join(dir, 'a.txt'), 'alpha')
          const harness = await buildEngine(dir, manifestText({ model: modelEntry(provider, server!), skills: ['file_read'] }))
          server!.enqueue(
            { text: 'Reading.', toolCalls: [{ id: 'call_r1', name: 'file_read', arguments: { path: 'a.txt' } }] },
            { text: 'It says alpha.' },
            { text: 'You asked about a.txt.' },
          )

          const first = await harness.run('What is in a.txt?')
          const second = await harness.run('What did I ask?', { sessionId: first.sessionId })

          assert.equal(second.sessionId, first.sessionId)
          assert.equal(second.status, 'completed', second.reason)
          assert.deepEqual(conversation(server!.requests[2]!), [
            'user: What is in a.txt?',
            'assistant: Reading.',
            'call call_r1 file_read {"path":"a.txt"}',
            'result call_r1 alpha',
            'assistant: It says alpha.',
            'user: What did I ask?',
          ])
          const entries = harness.transcript(first.sessionId)
          assert.deepEqual(entries.map((entry) => entry.seq), entries.map((_, index) => index + 1))
          const starts = ofType(entries, 'run_start')
          assert.deepEqual(starts.map((entry) => entry.resumed), [false, true])
          assert.notEqual(starts[0]!.runId, starts[1]!.runId)
          assert.deepEqual(ofType(entries, 'run_end').map((entry) => entry.status), ['completed', 'completed'])
          assert.deepEqual(sessionsIn(join(dir, TRANSCRIPT_DIR)), [first.sessionId], 'one file per session')
        })
      })
    })

    test(`${provider}: a tool call left without a result (killed mid-tool) resumes with an "interrupted" result`, async () => {
      await withServers(1, async (server) => {
        await withTempDir(async (dir) => {
          const harness = await buildEngine(dir, manifestText({ model: modelEntry(provider, server!), skills: ['list_dir'] }))
          server!.enqueue({ toolCalls: [{ id: 'call_k', name: 'list_dir', arguments: {} }] }, { text: 'Listed.' }, { text: 'Carrying on.' })
          const first = await harness.run('List.')
          const file = harness.transcriptPath(first.sessionId)
          // Cut the file back to just after the tool call, as a kill during the tool would leave it.
          const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean)
          const cut = lines.findIndex((line) => JSON.parse(line).type === 'tool_call')
          writeFileSync(file, `${lines.slice(0, cut + 1).join('\n')}\n`)

          const second = await harness.run('Go on.', { sessionId: first.sessionId })

          assert.equal(second.status, 'completed', second.reason)
          assert.deepEqual(conversation(server!.requests[2]!), [
            'user: List.',
            'call call_k list_dir {}',
            'result call_k the run was interrupted before this tool finished',
            'user: Go on.',
          ])
        })
      })
    })

    test(`${provider}: SIGKILL during a run leaves only whole JSON lines, and the session resumes`, async () => {
      await withServers(1, async (server) => {
        await withTempDir(async (dir) => {
          mkdirSync(join(dir, 'docs'))
          writeFileSync(join(dir, 'docs', 'guide.md'), '# Guide')
          const manifest = join(dir, 'agent.yaml')
          writeFileSync(manifest, manifestText({ model: modelEntry(provider, server!), skills: ['file_read', 'list_dir'] }))
          let resumed = false
          server!.respond((request) => {
            if (resumed) return { text: 'Resumed and finished.' }
            const count = server!.requests.indexOf(request) + 1
            if (count === 1) return { text: 'Listing.', toolCalls: [{ id: 'call_l', name: 'list_dir', arguments: { path: 'docs' } }] }
            if (count === 2) return { toolCalls: [{ id: 'call_f', name: 'file_read', arguments: { path: 'docs/guide.md' } }] }
            return { fault: 'stall' }
          })

          const child = spawnCli(['run', manifest, '-i', 'Inspect the docs.'])
          const output = collect(child)
          const transcripts = join(dir, TRANSCRIPT_DIR)
          const toolResults = () => {
            const [session] = sessionsIn(transcripts)
            return session ? readFileSync(join(transcripts, `${session}.jsonl`), 'utf8').split('\n').filter((line) => line.includes('"type":"tool_result"')).length : 0
          }
          for (let waited = 0; toolResults() < 2 || server!.requests.length < 3; waited += 20) {
            if (waited > 20_000) assert.fail(`the run did not reach its third request\nstderr: ${output.stderr()}`)
            await delay(20)
          }
          child.kill('SIGKILL')
          const killed = await output.done
          assert.equal(killed.signal, 'SIGKILL')

          const [sessionId] = sessionsIn(transcripts)
          const file = join(transcripts, `${sessionId!}.jsonl`)
          const before = readTranscriptFile(file)
          assert.deepEqual(before.map((entry) => entry.seq), before.map((_, index) => index + 1))
          assert.equal(ofType(before, 'tool_result').length, 2)
          assert.equal(ofType(before, 'run_end').length, 0, 'the killed run never ended')

          resumed = true
          const result = await runCliAsync(['run', manifest, '--session', sessionId!, '-i', 'Please finish.', '--json'])
          assert.equal(result.status, 0, result.stderr)
          assert.doesNotMatch(result.stderr, STACK_FRAME)
          const json = JSON.parse(result.stdout) as { sessionId: string; status: string; output: string }
          assert.deepEqual([json.sessionId, json.status, json.output], [sessionId, 'completed', 'Resumed and finished.'])
          assert.deepEqual(conversation(server!.requests.at(-1)!), [
            'user: Inspect the docs.',
            'assistant: Listing.',
            'call call_l list_dir {"path":"docs"}',
            'result call_l guide.md',
            'call call_f file_read {"path":"docs/guide.md"}',
            'result call_f # Guide',
            'user: Please finish.',
          ])
          const after = readTranscriptFile(file)
          assert.deepEqual(after.slice(0, before.length), before, 'the old lines are untouched')
          assert.deepEqual(after.map((entry) => entry.seq), after.map((_, index) => index + 1))
          assert.deepEqual(ofType(after, 'run_start').map((entry) => entry.resumed), [false, true])
          assert.deepEqual(ofType(after, 'run_end').map((entry) => entry.status), ['completed'])
        })
      })
    })
  }
})
