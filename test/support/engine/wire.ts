/**
 * The conversation a fake model server received, flattened into one provider-neutral list of
 * lines, so tests can compare what OpenAI and Anthropic requests carried:
 *   `user: <text>`, `assistant: <text>`, `call <id> <name> <arguments JSON>`, `result <id> <content>`
 */
import type { RecordedRequest } from '../fake-model-server.js'

type Json = Record<string, any>

export function conversation(request: RecordedRequest): string[] {
  const messages: Json[] = Array.isArray(request.body?.messages) ? request.body.messages : []
  return request.provider === 'anthropic' ? messages.flatMap(anthropicLines) : messages.flatMap(openaiLines)
}

function openaiLines(message: Json): string[] {
  switch (message.role) {
    case 'system': return []
    case 'user': return [`user: ${String(message.content)}`]
    case 'tool': return [`result ${String(message.tool_call_id)} ${String(message.content)}`]
    case 'assistant': return [
      ...(message.content ? [`assistant: ${String(message.content)}`] : []),
      ...((message.tool_calls ?? []) as Json[]).map((call) => `call ${String(call.id)} ${String(call.function.name)} ${normalise(call.function.arguments)}`),
    ]
    default: return [`unknown role ${String(message.role)}`]
  }
}

function anthropicLines(message: Json): string[] {
  const role = String(message.role)
  if (typeof message.content === 'string') return [`${role}: ${message.content}`]
  return (message.content as Json[]).map((block) => {
    if (block.type === 'text') return `${role}: ${String(block.text)}`
    if (block.type === 'tool_use') return `call ${String(block.id)} ${String(block.name)} ${JSON.stringify(block.input)}`
    if (block.type === 'tool_result') return `result ${String(block.tool_use_id)} ${typeof block.content === 'string' ? block.content : JSON.stringify(block.content)}`
    return `unknown block ${String(block.type)}`
  })
}

/** OpenAI sends arguments as a JSON string; re-serialise so both providers print the same. */
function normalise(args: unknown): string {
  try {
    return JSON.stringify(JSON.parse(String(args)))
  } catch {
    return String(args)
  }
}
