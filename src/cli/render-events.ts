import type { RunEvent, UsageByModel } from '../engine/agent/events.js'
import type { RunResult } from '../engine/agent/run.js'
import type { Style } from './style.js'

const PREVIEW = 160

/** Tool activity, retries and failovers as one readable line each (for stderr); undefined for the rest. */
export function describeEvent(event: RunEvent, style: Style, verbose: boolean): string | undefined {
  switch (event.type) {
    case 'tool_call':
      return style.cyan(`→ ${event.name}(${preview(JSON.stringify(event.arguments))})`)
    case 'tool_result':
      return (event.isError ? style.red : style.dim)(`${event.isError ? '✖' : '←'} ${event.name} ${event.durationMs} ms: ${preview(event.content)}`)
    case 'model_retry':
      return style.yellow(`↻ ${event.model}: ${event.reason}; retry ${event.attempt} in ${event.delayMs} ms`)
    case 'model_failover':
      return style.yellow(`⇢ ${event.from} failed${event.credential ? ' (credential problem)' : ''}: ${event.reason}${event.to ? `; trying ${event.to}` : ''}`)
    case 'skill_event':
      return style.dim(`· ${event.skill}: ${event.summary}`)
    case 'usage':
      return verbose ? style.dim(`· ${event.model}: ${event.inputTokens} in, ${event.outputTokens} out${event.costUsd ? `, $${event.costUsd.toFixed(5)}` : ''}`) : undefined
    case 'run_start':
      return verbose ? style.dim(`· ${event.agent} on ${event.models.join(' → ')}${event.resumed ? ' (resumed session)' : ''}`) : undefined
    default:
      return undefined
  }
}

export function describeResult(result: RunResult, style: Style): string {
  const usage = result.usage.map(describeUsage).join('; ') || 'no model calls'
  const head = result.status === 'completed'
    ? style.green(`✔ completed in ${result.turns} turn${result.turns === 1 ? '' : 's'}`)
    : style.red(`✖ failed after ${result.turns} turn${result.turns === 1 ? '' : 's'}: ${result.reason}`) + (result.hint ? `\n${style.cyan('hint:')} ${result.hint}` : '')
  return `${head}\n${style.dim(`session ${result.sessionId} · ${usage}${result.costUsd ? ` · total $${result.costUsd.toFixed(5)}` : ''}`)}`
}

function describeUsage(usage: UsageByModel): string {
  return `${usage.model} ${usage.inputTokens} in / ${usage.outputTokens} out${usage.costUsd ? ` ($${usage.costUsd.toFixed(5)})` : ''}`
}

function preview(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > PREVIEW ? `${flat.slice(0, PREVIEW)}…` : flat
}
