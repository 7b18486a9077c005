import assert from 'node:assert/strict'
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import type { RunResult } from '../src/engine/agent/run.js'
import type { SessionSummary, TranscriptEntry } from '../src/engine/transcript/contract.js'
import { runCli, STACK_FRAME, type CliResult } from './support/cli.js'
import { runCliAsync } from './support/engine/cli-async.js'
import { label, manifestText, MODEL_NAMES, modelEntry, PROVIDERS, readTranscriptFile, sessionsIn, TRANSCRIPT_DIR, withServers } from './support/engine/harness.js'

const HELLO = 'agents/hello.yaml'
const FIRST_TEXT = 'Let me look at the project first.'
const FINAL_TEXT = 'This is the agentor repository. Its README starts with the project\'s name, and agents/ holds the example manifests.'

const workDir = mkdtempSync(join(tmpdir(), 'agentor-cli-run-'))
after(() => rmSync(workDir, { recursive: true, force: true }))

/** A transcript directory of its own for each hello.yaml run, so nothing lands in the repository. */
let dirs = 0
function transcriptsDir(): string {
  return join(workDir, `transcripts-${++dirs}`)
}

function hello(args: readonly string[], transcripts: string, options: { input?: string } = {}): CliResult {
  return checked(runCli(['run', HELLO, ...args], { env: { AGENTOR_TRANSCRIPTS: transcripts }, ...options }))
}

/** Every CLI result in this file goes through here: users never see a stack trace. */
function checked<T extends CliResult>(result: T): T {
  assert.doesNotMatch(result.stdout, STACK_FRAME, 'no stack trace on stdout')
  assert.doesNotMatch(result.stderr, STACK_FRAME, 'no stack trace on stderr')
  assert.doesNotMatch(result.stderr, /internal error/)
  return result
}

function onlySession(dir: string): string {
  const sessions = sessionsIn(dir)
  assert.equal(sessions.length, 1, `one session in ${dir}`)
  return sessions[0]!
}

describe('agentor run agents/hello.yaml', () => {
  const transcripts = transcriptsDir()
  let result: CliResult
  before(() => {
    result = hello(['-i', 'What is in this repository?'], transcripts)
  })

  test('exits 0 and streams the scripted text to stdout, nothing else', () => {
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stdout, `${FIRST_TEXT}\n${FINAL_TEXT}\n`)
  })

  test('reports tool activity and the outcome on stderr', () => {
    const lines = result.stderr.split('\n')
    assert.ok(lines.some((line) => line.startsWith('→ list_dir({"path":"."})')), result.stderr)
    assert.ok(lines.some((line) => line.startsWith('→ file_read(')), result.stderr)
    assert.ok(lines.some((line) => line.startsWith('→ shell({"command":"ls agents | wc -l"})')), result.stderr)
    assert.ok(lines.some((line) => /^← list_dir \d+ ms: .*README\.md/.test(line)), result.stderr)
    assert.ok(lines.some((line) => /^← shell \d+ ms: exit code: 0/.test(line)), result.stderr)
    assert.match(result.stderr, /✔ completed in 3 turns\nsession \S+ · scripted \d+ in \/ \d+ out\n$/)
    assert.ok(!result.stderr.includes(FIRST_TEXT), 'the answer is not on stderr')
  })

  test('writes the transcript into the configured directory', () => {
    const sessionId = onlySession(transcripts)
    assert.match(result.stderr, new RegExp(`session ${sessionId} `))
    const entries = readTranscriptFile(join(transcripts, `${sessionId}.jsonl`))
    assert.equal(entries[0]!.type, 'run_start')
    assert.deepEqual(entries.filter((entry) => entry.type === 'user_message').map((entry) => entry.type === 'user_message' && entry.content), ['What is in this repository?'])
    assert.deepEqual(entries.filter((entry) => entry.type === 'tool_call').map((entry) => entry.type === 'tool_call' && entry.name), ['list_dir', 'file_read', 'shell'])
    assert.equal(entries.at(-1)!.type, 'run_end')
  })

  test('transcript list shows the session, readably and as JSON, from --dir or -m', () => {
    const sessionId = onlySession(transcripts)
    const listed = checked(runCli(['transcript', 'list', '--dir', transcripts]))
    assert.equal(listed.status, 0, listed.stderr)
    assert.match(listed.stdout, new RegExp(`^${sessionId}  \\S+Z  1 run, \\d+ events  completed  What is in this repository\\?\\n$`))

    const viaManifest = checked(runCli(['transcript', 'list', '-m', HELLO], { env: { AGENTOR_TRANSCRIPTS: transcripts } }))
    assert.equal(viaManifest.stdout, listed.stdout)

    const json = checked(runCli(['transcript', 'list', '--dir', transcripts, '--json']))
    assert.equal(json.status, 0)
    const sessions = JSON.parse(json.stdout) as SessionSummary[]
    assert.equal(sessions.length, 1)
    assert.deepEqual([sessions[0]!.sessionId, sessions[0]!.runs, sessions[0]!.lastStatus, sessions[0]!.firstTask], [sessionId, 1, 'completed', 'What is in this repository?'])
    assert.equal(sessions[0]!.events, readTranscriptFile(join(transcripts, `${sessionId}.jsonl`)).length)
  })

  test('transcript show prints the session readably, and the raw entries with --json', () => {
    const sessionId = onlySession(transcripts)
    const shown = checked(runCli(['transcript', 'show', sessionId, '--dir', transcripts]))
    assert.equal(shown.status, 0, shown.stderr)
    assert.equal(shown.stderr, '')
    for (const expected of [
      /t0 run [0-9a-f]{8}: hello on scripted\n/,
      /t0 user: What is in this repository\?\n/,
      new RegExp(`t1 assistant \\(scripted\\): ${FIRST_TEXT}\\n`),
      /t1 → list_dir\(\{"path":"\."\}\)\n/,
      /t2 → shell\(/,
      /t3 ✔ completed in 3 turns\n$/,
    ]) assert.match(shown.stdout, expected)

    const json = checked(runCli(['transcript', 'show', sessionId, '--dir', transcripts, '--json']))
    assert.equal(json.status, 0)
    const lines = json.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as TranscriptEntry)
    assert.deepEqual(lines, readTranscriptFile(join(transcripts, `${sessionId}.jsonl`)))
  })

  test('transcript show of an unknown session exits 1 with a clear message', () => {
    const missing = checked(runCli(['transcript', 'show', '20200101T000000Z-000000', '--dir', transcripts]))
    assert.equal(missing.status, 1)
    assert.equal(missing.stdout, '')
    assert.match(missing.stderr, /^agentor: E_SESSION_NOT_FOUND: no transcript for session 20200101T000000Z-000000\nhint: list sessions with `agentor transcript list`\n$/)

    const unsafe = checked(runCli(['transcript', 'show', '../../etc/passwd', '--dir', transcripts]))
    assert.equal(unsafe.status, 1)
    assert.match(unsafe.stderr, /^agentor: E_SESSION_ID: invalid session id `\.\.\/\.\.\/etc\/passwd`/)
  })
})

describe('agentor run: input, output and exit status', () => {
  test('--json prints { sessionId, status, output, turns, usage, costUsd } and streams nothing', () => {
    const transcripts = transcriptsDir()
    const result = hello(['-i', 'Hi', '--json'], transcripts)
    assert.equal(result.status, 0, result.stderr)
    const json = JSON.parse(result.stdout) as RunResult
    assert.deepEqual(Object.keys(json), ['sessionId', 'status', 'output', 'turns', 'usage', 'costUsd'])
    assert.equal(json.sessionId, onlySession(transcripts))
    assert.equal(json.status, 'completed')
    assert.equal(json.output, FINAL_TEXT)
    assert.equal(json.turns, 3)
    assert.equal(json.costUsd, 0)
    assert.equal(json.usage.length, 1)
    assert.equal(json.usage[0]!.model, 'scripted')
    assert.ok(json.usage[0]!.inputTokens > 0 && json.usage[0]!.outputTokens > 0)
    assert.ok(!result.stdout.includes(FIRST_TEXT), 'no streamed text in JSON mode')
  })

  test('reads the task from stdin', () => {
    const transcripts = transcriptsDir()
    const result = hello(['--json'], transcripts, { input: 'Summarise the repository\n' })
    assert.equal(result.status, 0, result.stderr)
    assert.equal((JSON.parse(result.stdout) as RunResult).status, 'completed')
    const entries = readTranscriptFile(join(transcripts, `${onlySession(transcripts)}.jsonl`))
    const task = entries.find((entry) => entry.type === 'user_message')
    assert.equal(task?.type === 'user_message' && task.content.trim(), 'Summarise the repository')
  })

  test('the task can be the argument after the manifest; with --input as well it is a usage error', () => {
    const transcripts = transcriptsDir()
    const result = hello(['What is in this repository?'], transcripts)
    assert.equal(result.status, 0, result.stderr)
    assert.equal(result.stdout, `${FIRST_TEXT}\n${FINAL_TEXT}\n`)
    const both = hello(['Hi', '-i', 'Hello'], transcripts)
    assert.equal(both.status, 2)
    assert.match(both.stderr, /^agentor: two tasks: give the task as an argument or with --input, not both\n/)
    assert.equal(sessionsIn(transcripts).length, 1, 'only the first ran')
  })

  test('no task (empty stdin, blank --input) is a usage error: exit 2', () => {
    const transcripts = transcriptsDir()
    for (const args of [[], ['-i', '   ']]) {
      const result = hello(args, transcripts)
      assert.equal(result.status, 2, result.stderr)
      assert.equal(result.stdout, '')
      assert.match(result.stderr, /^agentor: no task: give it as an argument, with --input or on stdin\nsee `agentor run --help`\n$/)
    }
    assert.deepEqual(sessionsIn(transcripts), [], 'nothing was run')
  })

  test('an invalid manifest exits 1 with located diagnostics on stderr', () => {
    const file = join(workDir, 'invalid.yaml')
    writeFileSync(file, 'agentor: 1\nname: demo\nmodle:\n  provider: openai\n')
    const result = checked(runCli(['run', file, '-i', 'Hi']))
    assert.equal(result.status, 1)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /invalid\.yaml:3:1 error unknown key `modle` E_SCHEMA_UNKNOWN_KEY/)
    assert.match(result.stderr, /invalid\.yaml:1:1 error the manifest is missing the required key `model`/)
  })

  test('a failing run exits 1 with the reason, in text and in JSON', () => {
    const dir = mkdtempSync(join(workDir, 'failing-'))
    const file = join(dir, 'agent.yaml')
    writeFileSync(file, manifestText({ model: { provider: 'scripted', script: [{ error: 400 }] } }))
    const result = checked(runCli(['run', file, '-i', 'Hi']))
    assert.equal(result.status, 1)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /⇢ scripted failed: HTTP 400 \(scripted fault\)\n/)
    assert.match(result.stderr, /✖ failed after 1 turn: E_MODEL_UNAVAILABLE: every model failed:\n\s+scripted: HTTP 400 \(scripted fault\)\nhint: check the models/)

    const json = checked(runCli(['run', file, '-i', 'Hi', '--json']))
    assert.equal(json.status, 1)
    const parsed = JSON.parse(json.stdout) as RunResult
    assert.equal(parsed.status, 'failed')
    assert.match(parsed.reason!, /^E_MODEL_UNAVAILABLE: every model failed:\n\s+scripted: HTTP 400 \(scripted fault\)$/)
    assert.equal(sessionsIn(join(dir, TRANSCRIPT_DIR)).length, 2, 'failed runs are recorded too')
  })

  test('an invalid --session id exits 1 before anything runs', () => {
    const transcripts = transcriptsDir()
    const result = hello(['-i', 'Hi', '--session', '../escape'], transcripts)
    assert.equal(result.status, 1)
    assert.match(result.stderr, /^agentor: E_SESSION_ID: invalid session id `\.\.\/escape`/)
    assert.deepEqual(sessionsIn(transcripts), [])
  })

  for (const provider of PROVIDERS) {
    test(`${provider}: --model replaces the primary model's name in the request`, async () => {
      await withServers(1, async (server) => {
        const dir = mkdtempSync(join(workDir, `model-${provider}-`))
        const file = join(dir, 'agent.yaml')
        writeFileSync(file, manifestText({ model: modelEntry(provider, server!) }))
        server!.enqueue({ text: 'Answer from the override.' })

        const result = checked(await runCliAsync(['run', file, '-i', 'Hi', '--model', 'override-model']))

        assert.equal(result.status, 0, result.stderr)
        assert.equal(result.stdout, 'Answer from the override.\n')
        assert.equal(server!.requests.length, 1)
        assert.equal(server!.requests[0]!.body.model, 'override-model')
        assert.notEqual(server!.requests[0]!.body.model, MODEL_NAMES[provider])
        assert.match(result.stderr, new RegExp(`session \\S+ · ${label(provider, 'override-model')} \\d+ in`))
        const [sessionId] = sessionsIn(join(dir, TRANSCRIPT_DIR))
        const [start] = readTranscriptFile(join(dir, TRANSCRIPT_DIR, `${sessionId!}.jsonl`))
        assert.deepEqual(start?.type === 'run_start' && start.models, [label(provider, 'override-model')])
      })
    })
  }

  test('transcript show skips a malformed line with a warning on stderr', () => {
    const transcripts = transcriptsDir()
    assert.equal(hello(['-i', 'Hi'], transcripts).status, 0)
    const sessionId = onlySession(transcripts)
    appendFileSync(join(transcripts, `${sessionId}.jsonl`), '{"type":"user_mess\n')
    const lineCount = readFileSync(join(transcripts, `${sessionId}.jsonl`), 'utf8').split('\n').length - 1

    const shown = checked(runCli(['transcript', 'show', sessionId, '--dir', transcripts]))
    assert.equal(shown.status, 0, shown.stderr)
    assert.match(shown.stderr, new RegExp(`^warning: skipped line ${lineCount}: `))
    assert.match(shown.stdout, /✔ completed in 3 turns/)
  })

  test('transcript list of an empty directory says so', () => {
    const result = checked(runCli(['transcript', 'list', '--dir', transcriptsDir()]))
    assert.equal(result.status, 0)
    assert.equal(result.stdout, 'no sessions\n')
  })
})
