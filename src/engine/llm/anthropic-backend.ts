/**
 * ModelBackend for the Anthropic Messages API, on the official `@anthropic-ai/sdk`. Every call streams.
 *
 * `model.temperature` is deliberately not sent: SDK 1.x speaks API version 2026-10-21, which
 * answers 400 to any `temperature`, `top_p` or `top_k` (even the default value), and the SDK's
 * request type no longer has those fields.
 */
import Anthropic from '@anthropic-ai/sdk'
import type { ChatMessage, ModelBackend, ModelCallbacks, ModelRequest, ModelTurn, ToolCall, ToolSpec } from './contract.js'
import type { ResolvedModel } from '../manifest/generated/manifest-types.js'
import { ModelError } from './model-error.js'
import { IncompleteStreamError, parseToolArguments, readStream, toModelError, unparsedText } from './sdk-errors.js'

type MessageParam = Anthropic.MessageParam
type ContentBlockParam = Anthropic.ContentBlockParam
type StreamEvent = Anthropic.RawMessageStreamEvent

type BackendModel = Pick<ResolvedModel, 'name' | 'apiKey' | 'baseUrl' | 'maxTokens' | 'timeoutMs'>

const API_KEY_ENV = 'ANTHROPIC_API_KEY'
/** The SDK also accepts a bearer token from this variable instead of a key. */
const AUTH_TOKEN_ENV = 'ANTHROPIC_AUTH_TOKEN'

/** Takes only the connection fields, so a fallback model (`ResolvedModel1`) fits as well. */
export function createAnthropicBackend(model: BackendModel): ModelBackend {
  const name = model.name
  if (!name) throw new Error('an anthropic model needs a name')
  let client: Anthropic | undefined

  return {
    label: `anthropic:${name}`,
    async complete(request: ModelRequest, callbacks: ModelCallbacks = {}): Promise<ModelTurn> {
      const secrets = [model.apiKey, process.env[API_KEY_ENV] ?? '', process.env[AUTH_TOKEN_ENV] ?? '']
      if (!secrets.some(Boolean)) {
        throw new ModelError('credential', `no API key: set ${API_KEY_ENV} or the model's apiKey`, { errorClass: 'credential' })
      }
      client ??= new Anthropic({
        apiKey: model.apiKey || undefined,
        baseURL: model.baseUrl || undefined,
        maxRetries: 0,
        timeout: model.timeoutMs,
      })
      const turn = new TurnBuilder(callbacks.onTextDelta)
      try {
        const stream = await client.messages.create(
          {
            model: name,
            ...systemParam(request.system),
            messages: toAnthropicMessages(request.messages),
            ...toolsParam(request.tools),
            max_tokens: model.maxTokens,
            stream: true,
          },
          { signal: request.signal },
        )
        await readStream(stream, model.timeoutMs, (event) => turn.add(event))
        if (request.signal?.aborted) throw new Anthropic.APIUserAbortError()
        return turn.finish()
      } catch (error) {
        throw toModelError(error, Anthropic, { secrets, started: turn.started, signal: request.signal })
      }
    },
  }
}

// ---------------------------------------------------------------------------
// Request conversion (pure)

function systemParam(system: string): { system?: string } {
  return system ? { system } : {}
}

/**
 * Anthropic wants user and assistant turns to alternate, and tool results to come back as
 * `tool_result` blocks of a user message: consecutive messages of the same role (typically the
 * results of parallel tool calls, then the user's next words) are merged into one.
 */
export function toAnthropicMessages(messages: readonly ChatMessage[]): MessageParam[] {
  const merged: MessageParam[] = []
  for (const message of messages) {
    const converted = toAnthropicMessage(message)
    if (!converted) continue
    const last = merged.at(-1)
    if (last?.role === converted.role) last.content = [...asBlocks(last.content), ...asBlocks(converted.content)]
    else merged.push(converted)
  }
  return merged
}

function toAnthropicMessage(message: ChatMessage): MessageParam | undefined {
  switch (message.role) {
    case 'user':
      return { role: 'user', content: message.content }
    case 'tool':
      return {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content, is_error: message.isError }],
      }
    case 'assistant': {
      const text: ContentBlockParam[] = message.content ? [{ type: 'text', text: message.content }] : []
      const content = [...text, ...message.toolCalls.map(toToolUse)]
      // The API rejects empty assistant content; an empty answer carries nothing worth replaying.
      return content.length > 0 ? { role: 'assistant', content } : undefined
    }
  }
}

function toToolUse(call: ToolCall): ContentBlockParam {
  const input = unparsedText(call.arguments) === undefined ? call.arguments : {}
  return { type: 'tool_use', id: call.id, name: call.name, input }
}

function asBlocks(content: MessageParam['content']): ContentBlockParam[] {
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content
}

/** `{ tools }`, or nothing at all when there are none. */
export function toolsParam(tools: readonly ToolSpec[]): { tools?: Anthropic.Tool[] } {
  if (tools.length === 0) return {}
  return {
    tools: tools.map((tool) => ({
      name: tool.name,
      description: tool.description,
      input_schema: { ...tool.parameters, type: 'object' },
    })),
  }
}

// ---------------------------------------------------------------------------
// Stream assembly

interface PartialToolUse {
  id: string
  name: string
  json: string
}

class TurnBuilder {
  /** Whether any text or tool-input delta has arrived. */
  started = false
  private text = ''
  /** By content-block index, which is the model's order. */
  private readonly toolUses = new Map<number, PartialToolUse>()
  private stopReason: string | null = null
  private inputTokens = 0
  private outputTokens = 0

  constructor(private readonly onTextDelta?: (text: string) => void) {}

  add(event: StreamEvent): void {
    switch (event.type) {
      case 'message_start':
        this.inputTokens = event.message.usage.input_tokens
        this.outputTokens = event.message.usage.output_tokens
        return
      case 'content_block_start':
        if (event.content_block.type === 'text') this.addText(event.content_block.text)
        if (event.content_block.type === 'tool_use') {
          this.started = true
          this.toolUses.set(event.index, { id: event.content_block.id, name: event.content_block.name, json: '' })
        }
        return
      case 'content_block_delta':
        if (event.delta.type === 'text_delta') this.addText(event.delta.text)
        if (event.delta.type === 'input_json_delta') this.addJson(event.index, event.delta.partial_json)
        return
      case 'message_delta':
        this.stopReason = event.delta.stop_reason ?? this.stopReason
        this.outputTokens = event.usage.output_tokens
        if (event.usage.input_tokens != null) this.inputTokens = event.usage.input_tokens
        return
      default:
        return
    }
  }

  private addText(text: string): void {
    if (!text) return
    this.started = true
    this.text += text
    this.onTextDelta?.(text)
  }

  private addJson(index: number, json: string): void {
    const toolUse = this.toolUses.get(index)
    if (!toolUse) return
    this.started = true
    toolUse.json += json
  }

  finish(): ModelTurn {
    if (this.stopReason === null) throw new IncompleteStreamError('the stream ended without a stop_reason')
    const toolCalls = [...this.toolUses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([, toolUse]) => ({ id: toolUse.id, name: toolUse.name, arguments: parseToolArguments(toolUse.json) }))
    const truncated = this.stopReason === 'max_tokens' || this.stopReason === 'model_context_window_exceeded'
    const stopReason = truncated ? 'length' : toolCalls.length > 0 ? 'tool_calls' : 'end'
    return { text: this.text, toolCalls, stopReason, usage: { inputTokens: this.inputTokens, outputTokens: this.outputTokens } }
  }
}
