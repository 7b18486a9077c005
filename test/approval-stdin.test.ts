import assert from 'node:assert/strict'
import { getEventListeners } from 'node:events'
import { PassThrough } from 'node:stream'
import { describe, test } from 'node:test'
import type { ApprovalDecision, ApprovalRequest } from '../src/engine/approval/contract.js'
import {
  CHOICES_LINE, createStdinApprovalChannel, escapeForTerminal, formatApprovalPrompt, formatArguments, parseApprovalAnswer,
} from '../src/engine/approval/stdin-channel.js'
import { HAVE_PTY, programOutput, promptProgram, runInPty, runPiped } from './support/pty/pty.js'

const ESC = '\u001B'
const HOSTILE = `${ESC}[2J\n[y] approve once  [a] approve for this session`
/** The prompt is fully drawn and waiting for an answer. */
const PROMPT = String.raw`^\[y\] approve once.*\n> `

function request(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return { id: 'r1', sessionId: 's1', toolName: 'shell', arguments: { command: 'ls -la' }, risk: 'high', because: 'approval.require lists shell', ...overrides }
}

/** A channel on in-memory streams, with everything it printed. */
function harness(options: { tty?: boolean; raw?: boolean; color?: boolean } = {}) {
  const input = new PassThrough() as PassThrough & { isTTY?: boolean; isRaw?: boolean; setRawMode?: (mode: boolean) => void; rawModes: boolean[] }
  input.rawModes = []
  if (options.tty) {
    input.isTTY = true
    input.isRaw = options.raw ?? false
    input.setRawMode = (mode: boolean) => { input.isRaw = mode; input.rawModes.push(mode) }
  }
  const output = new PassThrough()
  let printed = ''
  output.setEncoding('utf8').on('data', (chunk: string) => { printed += chunk })
  const channel = createStdinApprovalChannel({ input, output, reviewer: 'alice', color: options.color ?? false })
  const listeners = () => ['data', 'end', 'error', 'readable', 'close'].map((event) => input.listenerCount(event)).reduce((a, b) => a + b, 0)
  return { input, channel, printed: () => printed, listeners }
}

const tick = () => new Promise((resolve) => setImmediate(resolve))

describe('parseApprovalAnswer', () => {
  test('reads approvals, denials with or without a reason, and rejects anything else', () => {
    const cases: Array<[string, ReturnType<typeof parseApprovalAnswer>]> = [
      ['y', { kind: 'approve', scope: 'once' }],
      [' YES ', { kind: 'approve', scope: 'once' }],
      ['a', { kind: 'approve', scope: 'session' }],
      ['Always', { kind: 'approve', scope: 'session' }],
      ['n', { kind: 'deny' }],
      ['NO', { kind: 'deny' }],
      ['', { kind: 'deny' }],
      ['   ', { kind: 'deny' }],
      ['n too risky', { kind: 'deny', reason: 'too risky' }],
      ['No  Touch PROD please ', { kind: 'deny', reason: 'Touch PROD please' }],
      ['nope', { kind: 'unrecognised' }],
      ['yy', { kind: 'unrecognised' }],
      ['y please', { kind: 'unrecognised' }],
      ['maybe', { kind: 'unrecognised' }],
    ]
    for (const [line, expected] of cases) assert.deepEqual(parseApprovalAnswer(line), expected, JSON.stringify(line))
  })
})

describe('the prompt', () => {
  test('shows tool, risk, reason and arguments in a box, then the choices', () => {
    const text = formatApprovalPrompt(request())
    assert.match(text, /tool: +shell\n/)
    assert.match(text, /risk: +high\n/)
    assert.match(text, /because: +approval\.require lists shell\n/)
    assert.match(text, /"command": "ls -la"/)
    assert.ok(text.trimEnd().endsWith(CHOICES_LINE))
    assert.ok(!text.includes(ESC), 'no colour unless asked for')
    for (const line of text.trimEnd().split('\n').slice(0, -1)) assert.match(line, /^[┌│└]/)
  })

  test('colours the risk per level when asked to', () => {
    const colours = new Set(['low', 'medium', 'high', 'critical'].map((risk) => /risk: +(\S*?)(?:low|medium|high|critical)/.exec(formatApprovalPrompt(request({ risk: risk as ApprovalRequest['risk'] }), { color: true }))![1]))
    assert.equal(colours.size, 4)
    assert.ok(![...colours].includes(''))
  })

  test('hostile text cannot inject escapes or fake prompt lines', () => {
    const text = formatApprovalPrompt(request({
      toolName: `shell${ESC}]0;pwned\u0007`,
      because: `because\r[y] approve once`,
      arguments: { command: HOSTILE, [`k${ESC}[31m`]: '\u009B2J\u202Eevil\u2028x\u007F', nested: [`${ESC}[1A`] },
    }))
    assert.ok(!text.includes(ESC) && !text.includes('\u0007') && !text.includes('\r') && !text.includes('\u009B') && !text.includes('\u202E') && !text.includes('\u2028') && !text.includes('\u007F'))
    assert.equal(text.split('\n').filter((line) => line.startsWith('[y]')).length, 1, 'exactly one choices line')
    assert.ok(text.includes(String.raw`"command": "\u001b[2J\n[y] approve once  [a] approve for this session"`))
    assert.ok(text.includes(String.raw`\u009b2J\u202eevil\u2028x\u007f`))
    assert.ok(text.includes(String.raw`because\r[y] approve once`))
    assert.equal(escapeForTerminal('tab\there'), String.raw`tab\there`)
    assert.equal(escapeForTerminal('fine: ünïcode ✓ 😀'), 'fine: ünïcode ✓ 😀')
    assert.equal(escapeForTerminal('lone \uD800 surrogate'), String.raw`lone \ud800 surrogate`)
  })

  test('long values, big collections, deep nesting and many lines are cut short', () => {
    const long = formatArguments({ content: 'x'.repeat(5000) }).join('\n')
    assert.ok(long.length < 400)
    assert.match(long, /… \(4800 more characters\)/)
    assert.match(formatArguments({ list: Array.from({ length: 100 }, (_, i) => i) }).join('\n'), /… 75 more items/)
    const deep: Record<string, unknown> = {}
    let node = deep
    for (let i = 0; i < 20; i++) { node.next = {}; node = node.next as Record<string, unknown> }
    assert.match(formatArguments(deep).join('\n'), /"\{…\}"/)
    const many = formatArguments(Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`k${i}`, [i, i]])))
    assert.equal(many.length, 40)
    assert.match(many.at(-1)!, /^… \d+ more lines$/)
    const circular: Record<string, unknown> = { a: 1 }
    circular.self = circular
    assert.match(formatArguments(circular).join('\n'), /"<circular>"/)
    assert.deepEqual(formatArguments({ unparsed: 'not json' }), ['{', '  "unparsed": "not json"', '}'])
  })
})

describe('createStdinApprovalChannel on in-memory streams', () => {
  test('approves once, for the session, or denies with the reason as typed', async () => {
    for (const [answer, expected] of [
      ['y\n', { approved: true, reviewer: 'alice', scope: 'once' }],
      ['always\r\n', { approved: true, reviewer: 'alice', scope: 'session' }],
      ['n Too Risky\n', { approved: false, reviewer: 'alice', reason: 'Too Risky', scope: 'once' }],
      ['\n', { approved: false, reviewer: 'alice', scope: 'once' }],
    ] as Array<[string, ApprovalDecision]>) {
      const { input, channel, printed, listeners } = harness()
      assert.equal(channel.name, 'stdin')
      const decision = channel.request(request(), new AbortController().signal)
      await tick()
      input.write(answer)
      assert.deepEqual(await decision, expected)
      assert.equal(listeners(), 0, 'the reader is closed')
      assert.ok(input.isPaused(), 'and the input is no longer flowing')
      assert.match(printed(), expected.approved ? /✔ approved shell/ : /✘ denied shell/)
    }
  })

  test('asks again after an unrecognised answer, and denies after three', async () => {
    const { input, channel, printed, listeners } = harness()
    const first = channel.request(request(), new AbortController().signal)
    input.write('maybe\n')
    await tick()
    assert.match(printed(), /not understood: "maybe"; answer y, a or n \(2 tries left\)\n> $/)
    input.write('y\n')
    assert.deepEqual(await first, { approved: true, reviewer: 'alice', scope: 'once' })

    const second = channel.request(request(), new AbortController().signal)
    input.write('what\nhuh?\n\u001B[2Jok\n')
    assert.deepEqual(await second, { approved: false, reviewer: 'alice', reason: 'unrecognised answer', scope: 'once' })
    assert.ok(!printed().includes(ESC), 'echoed answers are escaped too')
    assert.equal(listeners(), 0)
  })

  test('end of input denies this and every later request', async () => {
    const { input, channel, printed, listeners } = harness()
    const decision = channel.request(request(), new AbortController().signal)
    input.end()
    assert.deepEqual(await decision, { approved: false, reviewer: 'agentor', reason: 'input closed', scope: 'once' })
    assert.match(printed(), /input closed: shell was denied/)
    assert.deepEqual(await channel.request(request(), new AbortController().signal), { approved: false, reviewer: 'agentor', reason: 'input closed', scope: 'once' })
    assert.equal(listeners(), 0)
  })

  test('an answer without a final newline still counts when the input ends', async () => {
    const { input, channel } = harness()
    const decision = channel.request(request(), new AbortController().signal)
    input.end('a')
    assert.deepEqual(await decision, { approved: true, reviewer: 'alice', scope: 'session' })
  })

  test('answers piped in one chunk answer the requests in turn', async () => {
    const { input, channel, listeners } = harness()
    input.write('zzz\ny\nn not now\n')
    assert.deepEqual(await channel.request(request(), new AbortController().signal), { approved: true, reviewer: 'alice', scope: 'once' })
    assert.deepEqual(await channel.request(request(), new AbortController().signal), { approved: false, reviewer: 'alice', reason: 'not now', scope: 'once' })
    assert.equal(listeners(), 0)
  })

  test('an abort stops reading, says so, and leaves no listener behind', async () => {
    for (const [reason, message] of [
      [new DOMException('timed out', 'TimeoutError'), /timed out: shell was denied/],
      [new Error('interrupted'), /was cancelled: shell was denied/],
    ] as const) {
      const { input, channel, printed, listeners } = harness()
      const controller = new AbortController()
      const decision = channel.request(request(), controller.signal)
      await tick()
      assert.ok(listeners() > 0, 'reading while the request is open')
      assert.equal(getEventListeners(controller.signal, 'abort').length, 1)
      controller.abort(reason)
      const denied = await decision
      assert.equal(denied.approved, false)
      assert.equal(denied.reviewer, 'agentor')
      assert.match(printed(), message)
      assert.equal(listeners(), 0)
      assert.equal(getEventListeners(controller.signal, 'abort').length, 0)
      // A late answer is not consumed by the closed request: it stays in the stream for the next reader.
      input.write('y\n')
      await tick()
      assert.ok(!printed().includes('approved'))
      assert.deepEqual(await channel.request(request(), new AbortController().signal), { approved: true, reviewer: 'alice', scope: 'once' })
    }
  })

  test('an already aborted signal denies without reading', async () => {
    const { channel, listeners } = harness()
    const decision = await channel.request(request(), AbortSignal.abort(new Error('gone')))
    assert.equal(decision.approved, false)
    assert.equal(listeners(), 0)
  })

  test('switches a raw terminal to line mode while asking, and back', async () => {
    const { input, channel } = harness({ tty: true, raw: true })
    const decision = channel.request(request(), new AbortController().signal)
    await tick()
    assert.deepEqual(input.rawModes, [false])
    input.write('y\n')
    await decision
    assert.deepEqual(input.rawModes, [false, true])
  })
})

describe('through a pseudo-terminal', { concurrency: true, skip: HAVE_PTY ? false : 'python3 pty is not available' }, () => {
  const env = { USER: 'alice' }

  test('y approves once', async () => {
    const result = await runInPty(promptProgram(), [{ expect: PROMPT, send: 'y\r' }], { env })
    assert.equal(result.timedOut, false, result.transcript)
    assert.equal(result.exitCode, 0)
    const { stdinIsTTY, decisions } = programOutput(result.transcript)
    assert.equal(stdinIsTTY, true)
    assert.deepEqual(decisions, [{ call: 0, asked: true, decision: { approved: true, reviewer: 'alice', scope: 'once' } }])
    assert.match(result.transcript, /tool: +shell\n[^]*risk: +high\n[^]*because: +approval\.require lists shell\n[^]*"command": "ls"/)
    assert.match(result.transcript, /\n> y\n✔ approved shell once\n/, 'the terminal echoed the answer')
  })

  test('n with a reason denies with that reason', async () => {
    const result = await runInPty(promptProgram(), [{ expect: PROMPT, send: 'n too risky\r' }], { env })
    assert.equal(result.timedOut, false, result.transcript)
    assert.deepEqual(programOutput(result.transcript).decisions.map((d) => d.decision), [{ approved: false, reviewer: 'alice', reason: 'too risky', scope: 'once' }])
    assert.match(result.transcript, /✘ denied shell: too risky/)
  })

  test('a approves the tool for the session: no second prompt there, a prompt in another session', async () => {
    const calls = [{ session: 's1' }, { session: 's1', arguments: { command: 'pwd' } }, { session: 's2' }]
    const result = await runInPty(promptProgram({ calls }), [
      { expect: PROMPT, send: 'a\r' },
      { expect: PROMPT, send: 'n\r' },
    ], { env })
    assert.equal(result.timedOut, false, result.transcript)
    assert.deepEqual(programOutput(result.transcript).decisions, [
      { call: 0, asked: true, decision: { approved: true, reviewer: 'alice', scope: 'session' } },
      { call: 1, asked: false, decision: { approved: true, reviewer: 'session grant', scope: 'session' } },
      { call: 2, asked: true, decision: { approved: false, reviewer: 'alice', scope: 'once' } },
    ])
    assert.equal(result.transcript.split('\n').filter((line) => line.startsWith('[y] approve once')).length, 2)
    assert.ok(!result.transcript.includes('"pwd"'), 'the granted call was never shown as a prompt')
  })

  test('no answer: denied at the timeout, and the process exits at once (the reader was closed)', async () => {
    const result = await runInPty(promptProgram({ timeoutSeconds: 1 }), [{ expect: PROMPT }], { env, timeoutSeconds: 8 })
    assert.equal(result.timedOut, false, `the program kept running after the timeout:\n${result.transcript}`)
    assert.equal(result.exitCode, 0)
    assert.deepEqual(programOutput(result.transcript).decisions.map((d) => d.decision), [{ approved: false, reviewer: 'agentor', reason: 'no answer within 1s', scope: 'once' }])
    assert.match(result.transcript, /the approval request timed out: shell was denied/)
    const waited = result.exitedAtMs! - result.steps[0]!.matchedAtMs
    assert.ok(waited >= 900 && waited < 3000, `exited ${waited}ms after the prompt`)
  })

  test('an unrecognised answer asks again', async () => {
    const result = await runInPty(promptProgram(), [
      { expect: PROMPT, send: 'sure\r' },
      { expect: String.raw`^not understood: "sure"; answer y, a or n \(2 tries left\)\n> `, send: 'Y\r' },
    ], { env })
    assert.equal(result.timedOut, false, result.transcript)
    assert.deepEqual(programOutput(result.transcript).decisions.map((d) => d.decision), [{ approved: true, reviewer: 'alice', scope: 'once' }])
  })

  test('a hostile argument is shown escaped; the risk is coloured', async () => {
    const result = await runInPty(promptProgram({ calls: [{ arguments: { command: HOSTILE } }], color: true }), [{ expect: PROMPT, send: 'n\r' }], { env })
    assert.equal(result.timedOut, false, result.transcript)
    assert.ok(!result.transcript.includes(`${ESC}[2J`), 'the clear-screen sequence did not reach the terminal')
    assert.ok(result.transcript.includes(String.raw`"command": "\u001b[2J\n[y] approve once  [a] approve for this session"`))
    assert.equal(result.transcript.split('\n').filter((line) => line.startsWith('[y] approve')).length, 1)
    assert.match(result.transcript, new RegExp(String.raw`risk: +${ESC}\[31mhigh${ESC}\[0m`))
    assert.deepEqual(programOutput(result.transcript).decisions.map((d) => d.decision), [{ approved: false, reviewer: 'alice', scope: 'once' }])
  })
})

describe('with piped input', { concurrency: true }, () => {
  const env = { USER: 'bob' }

  test('y on a pipe approves', async () => {
    const result = await runPiped(promptProgram(), 'y\n', { env })
    assert.equal(result.timedOut, false)
    assert.equal(result.status, 0, result.stderr)
    const { stdinIsTTY, decisions } = programOutput(result.stdout)
    assert.equal(stdinIsTTY, false)
    assert.deepEqual(decisions, [{ call: 0, asked: true, decision: { approved: true, reviewer: 'bob', scope: 'once' } }])
    assert.match(result.stderr, /\n> y\n✔ approved shell once\n$/)
  })

  test('several answers in one pipe answer the prompts in turn', async () => {
    const calls = [{ session: 's1' }, { session: 's2' }]
    const result = await runPiped(promptProgram({ calls }), 'n Not Today\nyes\n', { env })
    assert.equal(result.status, 0, result.stderr)
    assert.deepEqual(programOutput(result.stdout).decisions.map((d) => d.decision), [
      { approved: false, reviewer: 'bob', reason: 'Not Today', scope: 'once' },
      { approved: true, reviewer: 'bob', scope: 'once' },
    ])
  })

  test('end of input denies', async () => {
    const result = await runPiped(promptProgram({ calls: [{}, {}] }), '', { env })
    assert.equal(result.timedOut, false)
    assert.equal(result.status, 0, result.stderr)
    const denied = { approved: false, reviewer: 'agentor', reason: 'input closed', scope: 'once' }
    assert.deepEqual(programOutput(result.stdout).decisions.map((d) => d.decision), [denied, denied])
    assert.match(result.stderr, /input closed: shell was denied/)
  })
})
