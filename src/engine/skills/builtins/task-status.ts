import type { RunState, Skill } from '../contract.js'
import { plural } from '../../plural.js'

/** `1h 2m 5s`, `3m 0s`, `42s`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = total % 60
  if (hours > 0) return `${hours}h ${minutes}m ${seconds}s`
  if (minutes > 0) return `${minutes}m ${seconds}s`
  return `${seconds}s`
}

function percent(used: number, cap: number): string {
  if (cap <= 0) return ''
  return ` (${((used / cap) * 100).toFixed(1)}%)`
}

function usd(amount: number): string {
  return `$${amount.toFixed(amount !== 0 && Math.abs(amount) < 0.01 ? 4 : 2)}`
}

/** The run's state as a few readable lines (without the raw JSON). */
export function renderRunState(state: RunState, now = Date.now()): string {
  const lines: string[] = [`Agent '${state.agent}', session ${state.sessionId}`]

  const turnsLeft = Math.max(0, state.maxTurns - state.turn)
  lines.push(`Turn ${state.turn} of ${state.maxTurns} (${plural(turnsLeft, 'turn')} left)`)

  const tokens = state.maxTokens === undefined
    ? `${state.tokensUsed.toLocaleString('en-US')} (no cap)`
    : `${state.tokensUsed.toLocaleString('en-US')} of ${state.maxTokens.toLocaleString('en-US')}${percent(state.tokensUsed, state.maxTokens)}`
  lines.push(`Tokens: ${tokens}`)

  const cost = state.maxCostUsd === undefined
    ? `${usd(state.costUsd)} (no cap)`
    : `${usd(state.costUsd)} of ${usd(state.maxCostUsd)}${percent(state.costUsd, state.maxCostUsd)}`
  lines.push(`Cost: ${cost}`)

  const calls = state.toolCalls
  const errors = calls.filter((call) => call.isError).length
  if (calls.length === 0) {
    lines.push('Tool calls: none yet')
  } else {
    const byName = new Map<string, { calls: number; errors: number }>()
    for (const call of calls) {
      const entry = byName.get(call.name) ?? { calls: 0, errors: 0 }
      entry.calls++
      if (call.isError) entry.errors++
      byName.set(call.name, entry)
    }
    const parts = [...byName.entries()]
      .sort((a, b) => b[1].calls - a[1].calls || (a[0] < b[0] ? -1 : 1))
      .map(([name, entry]) => `${name} ×${entry.calls}${entry.errors > 0 ? ` (${plural(entry.errors, 'error')})` : ''}`)
    lines.push(`Tool calls: ${calls.length} (${plural(errors, 'error')}) — ${parts.join(', ')}`)
  }

  const started = Date.parse(state.startedAt)
  lines.push(Number.isNaN(started)
    ? `Elapsed: unknown (start time ${JSON.stringify(state.startedAt)})`
    : `Elapsed: ${formatDuration(now - started)} since ${new Date(started).toISOString()}`)
  return lines.join('\n')
}

export const taskStatusSkill: Skill = {
  name: 'task_status',
  description: 'Show where this run stands: turn number against the turn limit, tokens and cost against their caps, tool calls so far with errors, and time elapsed. Use it to pace long tasks.',
  risk: 'low',
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {},
  },
  async invoke(_args, context) {
    const state = context.runState()
    return `${renderRunState(state)}\n\nRaw state:\n${JSON.stringify(state, null, 2)}`
  },
}
