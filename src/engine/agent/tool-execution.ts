import type { ApprovalGate } from '../approval/gate.js'
import type { ChatMessage, ToolCall } from '../llm/contract.js'
import type { SkillContext, SkillResult } from '../skills/contract.js'
import type { ToolDisclosure } from '../skills/disclosure.js'
import type { SkillRegistry } from '../skills/registry.js'
import type { EventSink } from './events.js'

export interface ToolExecution {
  registry: SkillRegistry
  /** Decides which tools may be called now; anything else is refused. */
  disclosure: ToolDisclosure
  context: Omit<SkillContext, 'signal'>
  signal: AbortSignal
  timeoutMs: number
  emit: EventSink
  gate: ApprovalGate
}

/** Runs one turn's tool calls (already recorded as `tool_call` events) concurrently; results come back in call order, errors as error results. */
type ToolMessage = Extract<ChatMessage, { role: 'tool' }>

export async function executeToolCalls(calls: readonly ToolCall[], execution: ToolExecution): Promise<ToolMessage[]> {
  return Promise.all(calls.map(async (call) => {
    const started = performance.now()
    const result = await executeOne(call, execution)
    const durationMs = Math.round(performance.now() - started)
    execution.emit({ type: 'tool_result', callId: call.id, name: call.name, content: result.content, isError: result.isError ?? false, durationMs })
    return { role: 'tool' as const, toolCallId: call.id, name: call.name, content: result.content, isError: result.isError ?? false }
  }))
}

async function executeOne(call: ToolCall, execution: ToolExecution): Promise<SkillResult> {
  const refusal = execution.disclosure.refusal(call.name)
  if (refusal) return { content: refusal, isError: true }
  const decision = await execution.gate.check(
    { callId: call.id, name: call.name, arguments: call.arguments, risk: execution.registry.riskOf(call.name) ?? 'high', sessionId: execution.context.sessionId },
    execution.emit, execution.signal,
  )
  if (decision && !decision.approved) {
    return { content: `the call was not approved (${decision.reviewer}${decision.reason ? `: ${decision.reason}` : ''}); do not retry it unchanged`, isError: true }
  }
  const controller = new AbortController()
  const abort = () => controller.abort(execution.signal.reason)
  execution.signal.addEventListener('abort', abort, { once: true })
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<SkillResult>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error('tool timed out'))
      resolve({ content: `\`${call.name}\` timed out after ${execution.timeoutMs / 1000}s`, isError: true })
    }, execution.timeoutMs)
  })
  try {
    return await Promise.race([execution.registry.execute(call, { ...execution.context, signal: controller.signal }), timedOut])
  } finally {
    clearTimeout(timer)
    execution.signal.removeEventListener('abort', abort)
  }
}
