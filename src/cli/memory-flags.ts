import { UsageError } from './base-command.js'

/** `--alpha` as a search option; a value outside [0, 1] is a usage error. */
export function parseAlpha(value: string | undefined): { alpha?: number } {
  if (value === undefined) return {}
  const alpha = Number(value)
  if (!Number.isFinite(alpha) || alpha < 0 || alpha > 1) throw new UsageError(`--alpha must be a number from 0 to 1, not \`${value}\``)
  return { alpha }
}
