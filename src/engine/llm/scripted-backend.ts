import type { ResolvedModel, ResolvedScriptedTurn } from '../manifest/generated/manifest-types.js'
import type { ChatMessage, ModelBackend, ModelCallbacks, ModelRequest, ModelTurn } from './contract.js'
import { kindForStatus, ModelError } from './model-error.js'

/**
 * A deterministic offline model: each request plays the next scripted turn (text, tool calls, or
 * an injected fault), streaming its text word by word like a real provider.
 */
export function createScriptedBackend(model: ResolvedModel, turns: readonly ResolvedScriptedTurn[]): ModelBackend {
  let next = 0
  const label = model.name ? `scripted:${model.name}` : 'scripted'
  return {
    label,
    async complete(request: ModelRequest, callbacks: ModelCallbacks = {}): Promise<ModelTurn> {
      request.signal?.throwIfAborted()
      const index = next++
      const turn = turns[index]
      if (!turn) throw new ModelError('next-model', `${label} has no turn ${index + 1} (the script has ${turns.length})`, { errorClass: 'script-exhausted' })
      if (turn.error !== undefined) {
        throw new ModelError(kindForStatus(turn.error), `HTTP ${turn.error} (scripted fault)`, {
          status: turn.error, ...(turn.retryAfter !== undefined ? { retryAfterMs: turn.retryAfter * 1000 } : {}),
        })
      }
      if (turn.timeout) throw new ModelError('retry', 'request timed out (scripted fault)', { errorClass: 'timeout' })
      const text = turn.text ?? ''
      for (const piece of text.match(/\S+\s*|\s+/g) ?? []) callbacks.onTextDelta?.(piece)
      const toolCalls = (turn.toolCalls ?? []).map((call, position) => ({ id: `call_${index + 1}_${position + 1}`, name: call.name, arguments: call.arguments }))
      return {
        text,
        toolCalls,
        stopReason: turn.finishReason === 'length' ? 'length' : toolCalls.length ? 'tool_calls' : 'end',
        usage: { inputTokens: estimateTokens(request), outputTokens: Math.ceil((text.length + JSON.stringify(toolCalls).length) / 4) },
      }
    },
  }
}

function estimateTokens(request: ModelRequest): number {
  const characters = request.system.length + request.messages.reduce((sum, message) => sum + messageLength(message), 0)
  return Math.ceil(characters / 4)
}

function messageLength(message: ChatMessage): number {
  return message.content.length + (message.role === 'assistant' ? JSON.stringify(message.toolCalls).length : 0)
}
