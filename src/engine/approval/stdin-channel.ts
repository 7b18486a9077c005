import { createInterface } from 'node:readline'
import type { ApprovalChannel, ApprovalDecision, ApprovalRequest } from './contract.js'

/** A readable stream, usually `process.stdin`; a terminal's raw mode is switched off while a question is open. */
export interface StdinApprovalInput extends NodeJS.ReadableStream {
  isTTY?: boolean
  isRaw?: boolean
  setRawMode?(mode: boolean): unknown
}

export interface StdinApprovalChannelOptions {
  input: StdinApprovalInput
  /** Where the prompt goes; the CLI passes stderr so stdout stays the agent's output. */
  output: NodeJS.WritableStream
  /** Recorded as the reviewer of the answers typed here (the CLI passes `$USER`). */
  reviewer: string
  /** ANSI colours in the prompt (off by default; the caller decides from the terminal and NO_COLOR). */
  color?: boolean
}

/** What one typed line means. */
export type ApprovalAnswer =
  | { kind: 'approve'; scope: 'once' | 'session' }
  | { kind: 'deny'; reason?: string }
  | { kind: 'unrecognised' }

/** How many unrecognised answers a request tolerates before it is denied. */
export const MAX_ATTEMPTS = 3

export const CHOICES_LINE = '[y] approve once  [a] approve for this session  [n] deny (you can add a reason: "n too risky")'

const MAX_STRING = 200
const MAX_KEY = 60
const MAX_ITEMS = 25
const MAX_DEPTH = 6
const MAX_LINES = 40
const RULE_WIDTH = 64

/**
 * Asks on a terminal (or any line-oriented stream): prints a boxed description of the call, then
 * reads one line with a readline interface that exists only while the request is open, so nothing
 * keeps reading the input after an answer, an abort (timeout, interrupt) or the end of the input.
 */
export function createStdinApprovalChannel(options: StdinApprovalChannelOptions): ApprovalChannel {
  const { input, output, reviewer } = options
  const color = options.color ?? false
  /** Complete lines that arrived in the same chunk as an answer: they answer the next requests (scripted, piped input). */
  const pending: string[] = []
  let ended = false

  const write = (text: string) => {
    try {
      output.write(text)
    } catch {
      // A closed output must not turn into a channel failure; the answer can still arrive.
    }
  }
  const paint = (codes: string, text: string) => (color ? `\u001B[${codes}m${text}\u001B[0m` : text)
  const inputEnded = () => ended || (input as { readableEnded?: boolean }).readableEnded === true

  return {
    name: 'stdin',
    request(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision> {
      const tool = escapeForTerminal(request.toolName)
      const abortLine = () => `\n${paint('31', '✘')} ${abortReason(signal)}: ${tool} was denied\n`
      if (signal.aborted) {
        write(abortLine())
        return Promise.resolve(systemDenial(abortReason(signal)))
      }
      write(`${formatApprovalPrompt(request, { color })}> `)

      return new Promise<ApprovalDecision>((resolve) => {
        let done = false
        let attempts = 0
        let closeReader: () => void = () => undefined
        let restoreRawMode: () => void = () => undefined

        const finish = (decision: ApprovalDecision, line: string) => {
          if (done) return
          done = true
          signal.removeEventListener('abort', onAbort)
          closeReader()
          restoreRawMode()
          write(line)
          resolve(decision)
        }
        const onAbort = () => finish(systemDenial(abortReason(signal)), abortLine())
        const onEnd = () => {
          ended = true
          finish(systemDenial('input closed'), `\n${paint('31', '✘')} input closed: ${tool} was denied\n`)
        }
        /** Handles one typed line; true once the request is decided. */
        const answer = (raw: string): boolean => {
          if (!input.isTTY) write(`${escapeForTerminal(raw)}\n`)
          const parsed = parseApprovalAnswer(raw)
          if (parsed.kind === 'approve') {
            finish({ approved: true, reviewer, scope: parsed.scope }, `${paint('32', '✔')} ${parsed.scope === 'session' ? `approved ${tool} for this session` : `approved ${tool} once`}\n`)
          } else if (parsed.kind === 'deny') {
            const decision: ApprovalDecision = { approved: false, reviewer, scope: 'once', ...(parsed.reason ? { reason: parsed.reason } : {}) }
            finish(decision, `${paint('31', '✘')} denied ${tool}${parsed.reason ? `: ${escapeForTerminal(parsed.reason)}` : ''}\n`)
          } else if (++attempts >= MAX_ATTEMPTS) {
            finish({ approved: false, reviewer, reason: 'unrecognised answer', scope: 'once' }, `${paint('31', '✘')} unrecognised answer: ${tool} was denied\n`)
          } else {
            const left = MAX_ATTEMPTS - attempts
            write(`not understood: "${escapeForTerminal(truncate(raw.trim(), 60))}"; answer y, a or n (${left} ${left === 1 ? 'try' : 'tries'} left)\n> `)
          }
          return done
        }

        signal.addEventListener('abort', onAbort, { once: true })
        while (pending.length > 0) if (answer(pending.shift()!)) return
        if (inputEnded()) return onEnd()

        if (input.isTTY && input.isRaw === true && typeof input.setRawMode === 'function') {
          // Cooked mode while asking: the terminal echoes the answer and offers line editing.
          input.setRawMode(false)
          restoreRawMode = () => input.setRawMode?.(true)
        }
        const reader = createInterface({ input, terminal: false, crlfDelay: Infinity })
        closeReader = () => reader.close()
        reader.on('line', (line: string) => {
          if (done) pending.push(line)
          else answer(line)
        })
        reader.on('close', () => {
          if (!done) onEnd()
        })
        reader.on('error', (error: Error) => finish(systemDenial(`input failed: ${error.message}`), `\n${paint('31', '✘')} input failed: ${tool} was denied\n`))
      })
    },
  }
}

/** Reads one answer: `y`/`yes`, `a`/`always`, `n`/`no`/empty, or `n <reason>` (the reason keeps its case). */
export function parseApprovalAnswer(line: string): ApprovalAnswer {
  const text = line.trim()
  const lower = text.toLowerCase()
  if (lower === 'y' || lower === 'yes') return { kind: 'approve', scope: 'once' }
  if (lower === 'a' || lower === 'always') return { kind: 'approve', scope: 'session' }
  if (text === '') return { kind: 'deny' }
  const denial = /^(?:no|n)(?:\s+([\s\S]*))?$/i.exec(text)
  if (denial) {
    const reason = denial[1]?.trim()
    return reason ? { kind: 'deny', reason } : { kind: 'deny' }
  }
  return { kind: 'unrecognised' }
}

/** The boxed description of a request, every untrusted part escaped; ends with the choices line. */
export function formatApprovalPrompt(request: ApprovalRequest, options: { color?: boolean } = {}): string {
  const color = options.color ?? false
  const paint = (codes: string, text: string) => (color ? `\u001B[${codes}m${text}\u001B[0m` : text)
  const edge = paint('2', '│')
  const title = ' approval needed '
  const lines = [
    `${paint('2', '┌─')}${paint('1', title)}${paint('2', '─'.repeat(Math.max(0, RULE_WIDTH - 2 - title.length)))}`,
    `${edge} tool:      ${paint('1', escapeForTerminal(request.toolName))}`,
    `${edge} risk:      ${paintRisk(request.risk, paint)}`,
    `${edge} because:   ${escapeForTerminal(request.because)}`,
    `${edge} arguments:`,
    ...formatArguments(request.arguments).map((line) => `${edge}   ${line}`),
    paint('2', `└${'─'.repeat(RULE_WIDTH - 1)}`),
    CHOICES_LINE,
  ]
  return `${lines.join('\n')}\n`
}

/**
 * Makes text safe to print on a terminal: C0/C1 control characters (ESC, CR, LF, BEL, CSI…), DEL,
 * line/paragraph separators, bidirectional overrides and invisible format characters become
 * visible escapes, so text cannot move the cursor, recolour the screen or fake prompt lines.
 */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE, (char) => {
    switch (char) {
      case '\n': return '\\n'
      case '\r': return '\\r'
      case '\t': return '\\t'
      default: return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
    }
  })
}

const UNSAFE = /[\u0000-\u001F\u007F-\u009F\u00AD\u061C\u180E\u200B-\u200F\u2028-\u202E\u2060-\u206F\uFEFF\uFFF9-\uFFFB]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Pretty JSON of the arguments, long strings, big collections, deep nesting and many lines cut short. */
export function formatArguments(value: unknown): string[] {
  let text: string
  try {
    text = JSON.stringify(abridge(value, 0, new WeakSet()), null, 2) ?? String(value)
  } catch {
    text = '"<arguments that cannot be shown>"'
  }
  const lines = text.split('\n').map(escapeForTerminal)
  if (lines.length <= MAX_LINES) return lines
  return [...lines.slice(0, MAX_LINES - 1), `… ${lines.length - MAX_LINES + 1} more lines`]
}

function abridge(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return truncate(value, MAX_STRING)
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'function' || typeof value === 'symbol') return `<${typeof value}>`
  if (value === null || typeof value !== 'object') return value
  if (seen.has(value)) return '<circular>'
  if (depth >= MAX_DEPTH) return Array.isArray(value) ? '[…]' : '{…}'
  seen.add(value)
  try {
    if (Array.isArray(value)) {
      const items = value.slice(0, MAX_ITEMS).map((item) => abridge(item, depth + 1, seen))
      if (value.length > MAX_ITEMS) items.push(`… ${value.length - MAX_ITEMS} more items`)
      return items
    }
    const entries = Object.entries(value)
    const result: Record<string, unknown> = {}
    for (const [key, item] of entries.slice(0, MAX_ITEMS)) result[truncate(key, MAX_KEY)] = abridge(item, depth + 1, seen)
    if (entries.length > MAX_ITEMS) result['…'] = `${entries.length - MAX_ITEMS} more keys`
    return result
  } finally {
    seen.delete(value)
  }
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length - max} more characters)`
}

function paintRisk(risk: string, paint: (codes: string, text: string) => string): string {
  const label = escapeForTerminal(String(risk))
  switch (risk) {
    case 'low': return paint('32', label)
    case 'medium': return paint('33', label)
    case 'high': return paint('31', label)
    case 'critical': return paint('1;97;41', label)
    default: return paint('1', label)
  }
}

function abortReason(signal: AbortSignal): string {
  const reason = signal.reason as { name?: string } | undefined
  return reason?.name === 'TimeoutError' ? 'the approval request timed out' : 'the approval request was cancelled'
}

/** A denial nobody typed: the request ended without an answer. */
function systemDenial(reason: string): ApprovalDecision {
  return { approved: false, reviewer: 'agentor', reason, scope: 'once' }
}
