/**
 * A tiny program for the approval tests: an `ApprovalGate` (policy: `shell` needs approval) asking
 * through the stdin channel on process.stdin / process.stderr, checking one `shell` call per
 * `--calls` entry in turn. Each outcome is printed on stdout as one JSON line:
 * `{"call":0,"asked":true,"decision":{...}}`, after a first line `{"stdinIsTTY":true}`. It never
 * calls process.exit: it ends when nothing is left to do, which proves the channel stopped reading
 * stdin.
 *
 *   node --import tsx test/support/pty/approval-prompt.ts --timeout 300 \
 *     --calls '[{"session":"s1","arguments":{"command":"ls"}}]' [--color] [--reviewer alice]
 */
import { parseArgs } from 'node:util'
import type { RunEvent } from '../../../src/engine/agent/events.js'
import { ApprovalGate } from '../../../src/engine/approval/gate.js'
import { createStdinApprovalChannel } from '../../../src/engine/approval/stdin-channel.js'

interface CallSpec {
  session?: string
  arguments?: unknown
  risk?: 'low' | 'medium' | 'high' | 'critical'
}

const { values } = parseArgs({
  options: {
    timeout: { type: 'string', default: '300' },
    calls: { type: 'string', default: '[{}]' },
    color: { type: 'boolean', default: false },
    reviewer: { type: 'string' },
  },
})

const calls = JSON.parse(values.calls!) as CallSpec[]
const channel = createStdinApprovalChannel({
  input: process.stdin,
  output: process.stderr,
  reviewer: values.reviewer ?? process.env.USER ?? 'unknown',
  color: values.color ?? false,
})
const gate = new ApprovalGate({ channel: 'stdin', require: ['shell'], timeoutSeconds: Number(values.timeout), grantTtlSeconds: 3600 }, channel)
const controller = new AbortController()

process.stdout.write(`${JSON.stringify({ stdinIsTTY: process.stdin.isTTY === true })}\n`)
for (const [index, call] of calls.entries()) {
  let asked = false
  const emit = (event: RunEvent) => {
    if (event.type === 'approval_request') asked = true
  }
  const decision = await gate.check(
    { callId: `call-${index}`, name: 'shell', arguments: call.arguments ?? { command: 'ls' }, risk: call.risk ?? 'high', sessionId: call.session ?? 's1' },
    emit, controller.signal,
  )
  process.stdout.write(`${JSON.stringify({ call: index, asked, decision: decision ?? null })}\n`)
}
