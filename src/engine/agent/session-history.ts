import type { ChatMessage } from '../llm/contract.js'
import type { TranscriptEntry } from '../transcript/contract.js'

/** The conversation a resumed session continues from, rebuilt from its transcript. */
export function historyFromTranscript(entries: readonly TranscriptEntry[]): ChatMessage[] {
  const messages: ChatMessage[] = []
  for (const entry of entries) {
    if (entry.type === 'user_message') messages.push({ role: 'user', content: entry.content })
    else if (entry.type === 'assistant_message') messages.push({ role: 'assistant', content: entry.content, toolCalls: entry.toolCalls })
    else if (entry.type === 'tool_result') messages.push({ role: 'tool', toolCallId: entry.callId, name: entry.name, content: entry.content, isError: entry.isError })
  }
  return withoutDanglingToolCalls(messages)
}

/**
 * A run killed between a tool call and its result leaves calls without results; providers reject
 * such history, so those calls get an error result saying the run was interrupted.
 */
function withoutDanglingToolCalls(messages: ChatMessage[]): ChatMessage[] {
  const answered = new Set(messages.flatMap((message) => (message.role === 'tool' ? [message.toolCallId] : [])))
  const repaired: ChatMessage[] = []
  for (const message of messages) {
    repaired.push(message)
    if (message.role !== 'assistant') continue
    for (const call of message.toolCalls) {
      if (!answered.has(call.id)) repaired.push({ role: 'tool', toolCallId: call.id, name: call.name, content: 'the run was interrupted before this tool finished', isError: true })
    }
  }
  return repaired
}
