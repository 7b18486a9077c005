import type { TranscriptEntry } from '../engine/transcript/contract.js'
import { describeEvent } from './render-events.js'
import type { Style } from './style.js'

/** One transcript entry, readably, ending with a newline (empty for entries not worth a line). */
export function describeEntry(entry: TranscriptEntry, style: Style): string {
  const time = style.dim(`${entry.timestamp.slice(11, 19)} t${entry.turn}`)
  const line = (text: string) => `${time} ${text}\n`
  switch (entry.type) {
    case 'run_start': return line(style.bold(`run ${entry.runId.slice(0, 8)}: ${entry.agent} on ${entry.models.join(' → ')}${entry.resumed ? ' (resumed)' : ''}`))
    case 'user_message': return line(`${style.bold('user:')} ${entry.content}`)
    case 'assistant_message': return entry.content ? line(`${style.bold(`assistant (${entry.model}):`)} ${entry.content}`) : ''
    case 'approval_request': return line(style.yellow(`? approval requested for ${entry.name} (${entry.risk})`))
    case 'approval_decision': return line(style.yellow(`${entry.approved ? '✔ approved' : '✖ denied'} ${entry.name} by ${entry.reviewer}${entry.reason ? `: ${entry.reason}` : ''}`))
    case 'run_end': return line(entry.status === 'completed' ? style.green(`✔ completed in ${entry.turns} turns`) : style.red(`✖ failed: ${entry.reason}`))
    default: {
      const text = describeEvent(entry, style, true)
      return text ? line(text) : ''
    }
  }
}
