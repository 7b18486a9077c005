import type { StopReason, ToolCall } from '../llm/contract.js'

export interface UsageByModel {
  model: string
  inputTokens: number
  outputTokens: number
  costUsd: number
}

/**
 * Everything that happens in a run. Each event is one transcript line (except `text_delta`, which
 * only streams to the terminal), written before the next step starts.
 */
export type RunEvent =
  | { type: 'run_start'; agent: string; models: string[]; resumed: boolean }
  | { type: 'user_message'; content: string }
  | { type: 'text_delta'; text: string }
  | { type: 'assistant_message'; model: string; content: string; toolCalls: ToolCall[]; stopReason: StopReason }
  | { type: 'tool_call'; callId: string; name: string; arguments: ToolCall['arguments'] }
  | { type: 'tool_result'; callId: string; name: string; content: string; isError: boolean; durationMs: number }
  | { type: 'tools_enabled'; names: string[] }
  | { type: 'model_retry'; model: string; attempt: number; delayMs: number; reason: string; status?: number }
  | { type: 'model_failover'; from: string; to: string | null; reason: string; credential: boolean }
  | { type: 'approval_request'; callId: string; name: string; risk: string; because: string; channel: string }
  | { type: 'approval_decision'; callId: string; name: string; approved: boolean; reviewer: string; reason?: string; scope: 'once' | 'session' }
  | { type: 'skill_event'; skill: string; event: string; summary: string; data: Record<string, unknown> }
  | { type: 'usage'; model: string; inputTokens: number; outputTokens: number; costUsd: number }
  | { type: 'run_end'; status: 'completed' | 'failed'; reason?: string; turns: number; usage: UsageByModel[] }

export type RunEventType = RunEvent['type']

/** Where a run's events go: the transcript, the terminal, plugins. */
export type EventSink = (event: RunEvent) => void
