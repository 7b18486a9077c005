/** A tool call as the model made it. `arguments` is the parsed JSON object, or the raw text when it did not parse. */
export interface ToolCall {
  id: string
  name: string
  arguments: Record<string, unknown> | { readonly unparsed: string }
}

/** Provider-neutral conversation history. Assistant tool calls stay in history; results follow as `tool` messages. */
export type ChatMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError: boolean }

export interface ToolSpec {
  name: string
  description: string
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>
}

export interface ModelRequest {
  system: string
  messages: readonly ChatMessage[]
  tools: readonly ToolSpec[]
  signal?: AbortSignal
}

export interface TokenUsage {
  inputTokens: number
  outputTokens: number
}

/** `length`: the answer was cut off at the model's max tokens; `interrupted`: the stream broke. */
export type StopReason = 'end' | 'tool_calls' | 'length' | 'interrupted'

export interface ModelTurn {
  text: string
  toolCalls: ToolCall[]
  stopReason: StopReason
  usage: TokenUsage
}

export interface ModelCallbacks {
  /** Assistant text as it streams in. */
  onTextDelta?: (text: string) => void
}

/** One model at one provider. Implementations: openai, anthropic, scripted. */
export interface ModelBackend {
  /** `provider:name`, as shown in events and summaries. */
  readonly label: string
  complete(request: ModelRequest, callbacks?: ModelCallbacks): Promise<ModelTurn>
}
