/**
 * ModelBackend for OpenAI chat completions (and OpenAI-compatible servers through `baseUrl`),
 * on the official `openai` SDK. Every call streams.
 *
 * The output limit goes out as `max_completion_tokens` to api.openai.com, whose reasoning models
 * (o-series, gpt-5) reject the deprecated `max_tokens`, and as `max_tokens` to any other server:
 * vLLM, Ollama, llama.cpp and friends have long read `max_tokens`, while several still ignore
 * `max_completion_tokens`.
 */
import OpenAI from 'openai'
import type { ChatMessage, ModelBackend, ModelCallbacks, ModelRequest, ModelTurn, ToolCall, ToolSpec } from './contract.js'
import type { ResolvedModel } from '../manifest/generated/manifest-types.js'
import { ModelError } from './model-error.js'
import { IncompleteStreamError, parseToolArguments, readStream, toModelError, unparsedText } from './sdk-errors.js'

type MessageParam = OpenAI.Chat.Completions.ChatCompletionMessageParam
type ToolParam = OpenAI.Chat.Completions.ChatCompletionFunctionTool
type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk

type BackendModel = Pick<ResolvedModel, 'name' | 'apiKey' | 'baseUrl' | 'temperature' | 'maxTokens' | 'timeoutMs'>

const API_KEY_ENV = 'OPENAI_API_KEY'

/** Takes only the connection fields, so a fallback model (`ResolvedModel1`) fits as well. */
export function createOpenAIBackend(model: BackendModel): ModelBackend {
  const name = model.name
  if (!name) throw new Error('an openai model needs a name')
  const label = `openai:${name}`
  let client: OpenAI | undefined
  let outputLimit: ReturnType<typeof maxTokensParam> | undefined

  return {
    label,
    async complete(request: ModelRequest, callbacks: ModelCallbacks = {}): Promise<ModelTurn> {
      const apiKey = model.apiKey || process.env[API_KEY_ENV] || ''
      if (!apiKey) {
        throw new ModelError('credential', `no API key: set ${API_KEY_ENV} or the model's apiKey`, { errorClass: 'credential' })
      }
      client ??= new OpenAI({
        apiKey: model.apiKey || undefined,
        baseURL: model.baseUrl || undefined,
        maxRetries: 0,
        timeout: model.timeoutMs,
      })
      outputLimit ??= maxTokensParam(client.baseURL, model.maxTokens)
      const turn = new TurnBuilder(callbacks.onTextDelta)
      try {
        const stream = await client.chat.completions.create(
          {
            model: name,
            messages: toOpenAIMessages(request.system, request.messages),
            ...toolsParam(request.tools),
            temperature: model.temperature,
            ...outputLimit,
            stream: true,
            stream_options: { include_usage: true },
          },
          { signal: request.signal },
        )
        await readStream(stream, model.timeoutMs, (chunk) => turn.add(chunk))
        if (request.signal?.aborted) throw new OpenAI.APIUserAbortError()
        return turn.finish()
      } catch (error) {
        throw toModelError(error, OpenAI, { secrets: [apiKey], started: turn.started, signal: request.signal })
      }
    },
  }
}

// ---------------------------------------------------------------------------
// Request conversion (pure)

/** The output limit, under the name the server at `baseURL` reads (see the top of this file). */
export function maxTokensParam(baseURL: string, maxTokens: number): { max_completion_tokens: number } | { max_tokens: number } {
  return new URL(baseURL).hostname === 'api.openai.com' ? { max_completion_tokens: maxTokens } : { max_tokens: maxTokens }
}

export function toOpenAIMessages(system: string, messages: readonly ChatMessage[]): MessageParam[] {
  const converted = messages.map(toOpenAIMessage)
  return system ? [{ role: 'system', content: system }, ...converted] : converted
}

function toOpenAIMessage(message: ChatMessage): MessageParam {
  switch (message.role) {
    case 'user':
      return { role: 'user', content: message.content }
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content }
    case 'assistant':
      if (message.toolCalls.length === 0) return { role: 'assistant', content: message.content }
      return { role: 'assistant', content: message.content || null, tool_calls: message.toolCalls.map(toOpenAIToolCall) }
  }
}

function toOpenAIToolCall(call: ToolCall): OpenAI.Chat.Completions.ChatCompletionMessageFunctionToolCall {
  const args = unparsedText(call.arguments) ?? JSON.stringify(call.arguments)
  return { id: call.id, type: 'function', function: { name: call.name, arguments: args } }
}

/** `{ tools }`, or nothing at all when there are none. */
export function toolsParam(tools: readonly ToolSpec[]): { tools?: ToolParam[] } {
  if (tools.length === 0) return {}
  return {
    tools: tools.map((tool) => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    })),
  }
}

// ---------------------------------------------------------------------------
// Stream assembly

interface PartialToolCall {
  id: string
  name: string
  arguments: string
}

class TurnBuilder {
  /** Whether any text or tool-call delta has arrived. */
  started = false
  private text = ''
  /** By the `index` the stream gives each call, which is the model's order. */
  private readonly calls = new Map<number, PartialToolCall>()
  private finishReason: string | null = null
  private inputTokens = 0
  private outputTokens = 0

  constructor(private readonly onTextDelta?: (text: string) => void) {}

  add(chunk: Chunk): void {
    if (chunk.usage) {
      this.inputTokens = chunk.usage.prompt_tokens
      this.outputTokens = chunk.usage.completion_tokens
    }
    const choice = chunk.choices[0]
    if (!choice) return
    // A refusal streams in place of the content; either way it is what the model said.
    const { content, refusal, tool_calls: toolCalls } = choice.delta
    const text = content || refusal
    if (text) {
      this.started = true
      this.text += text
      this.onTextDelta?.(text)
    }
    for (const delta of toolCalls ?? []) {
      this.started = true
      const call = this.calls.get(delta.index) ?? { id: '', name: '', arguments: '' }
      this.calls.set(delta.index, call)
      if (delta.id) call.id = delta.id
      if (delta.function?.name) call.name = delta.function.name
      if (delta.function?.arguments) call.arguments += delta.function.arguments
    }
    if (choice.finish_reason) this.finishReason = choice.finish_reason
  }

  finish(): ModelTurn {
    if (this.finishReason === null) throw new IncompleteStreamError('the stream ended without a finish_reason')
    const toolCalls = [...this.calls.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, call]) => ({ id: call.id, name: call.name, arguments: parseToolArguments(call.arguments) }))
    const stopReason = this.finishReason === 'length' ? 'length' : toolCalls.length > 0 ? 'tool_calls' : 'end'
    return { text: this.text, toolCalls, stopReason, usage: { inputTokens: this.inputTokens, outputTokens: this.outputTokens } }
  }
}
