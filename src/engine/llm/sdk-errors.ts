/**
 * What the OpenAI and Anthropic backends share: turning SDK failures into `ModelError`s (by HTTP
 * status and error class, never by message text) with API keys kept out of their messages,
 * reading a stream with an idle timeout, and parsing streamed tool-call arguments.
 */
import type { ToolCall } from './contract.js'
import { kindForStatus, ModelError, retryAfterMs } from './model-error.js'

type ErrorClass<T extends Error = Error> = abstract new (...args: never[]) => T

/** The error classes both SDKs export under the same names. */
export interface SdkErrorClasses {
  APIError: ErrorClass<Error & { readonly status: number | undefined; readonly headers: unknown }>
  APIConnectionError: ErrorClass
  APIConnectionTimeoutError: ErrorClass
  APIUserAbortError: ErrorClass
}

export interface CallState {
  /** Credentials that must never appear in a message. */
  secrets: readonly string[]
  /** Whether any text or tool-call delta has arrived: a failure after that is `interrupted`. */
  started: boolean
  signal?: AbortSignal
}

/** An error thrown by the SDK while reading the response stream, as opposed to one raised by our own handling. */
class StreamReadError extends Error {
  constructor(readonly failure: unknown) {
    super('stream read failed')
  }
}

/** The stream went quiet for longer than the timeout after the response headers had arrived. */
class StreamIdleError extends Error {
  constructor(readonly idleMs: number) {
    super(`no data for ${idleMs} ms`)
  }
}

/** The stream ended cleanly but without the provider's end-of-answer marker. */
export class IncompleteStreamError extends Error {}

/**
 * Iterates an SDK stream, calling `onEvent` for each event. The SDK's own `timeout` only covers
 * the wait for the response headers, so a stream silent for `idleMs` is aborted here.
 */
export async function readStream<T>(
  stream: AsyncIterable<T> & { controller: AbortController },
  idleMs: number,
  onEvent: (event: T) => void,
): Promise<void> {
  const iterator = stream[Symbol.asyncIterator]()
  let idle = false
  const timer = setTimeout(() => {
    idle = true
    stream.controller.abort()
  }, idleMs)
  try {
    for (;;) {
      timer.refresh()
      let next: IteratorResult<T>
      try {
        next = await iterator.next()
      } catch (error) {
        throw idle ? new StreamIdleError(idleMs) : new StreamReadError(error)
      }
      // Both SDKs end the iteration quietly when the request is aborted.
      if (idle) throw new StreamIdleError(idleMs)
      if (next.done) return
      onEvent(next.value)
    }
  } finally {
    clearTimeout(timer)
    await iterator.return?.()
  }
}

/**
 * The error to throw for a failed call: a `ModelError`, or the original error when the user
 * aborted (or when it did not come from the SDK or the stream, i.e. from our own code).
 */
export function toModelError(error: unknown, sdk: SdkErrorClasses, state: CallState): unknown {
  if (error instanceof ModelError || error instanceof sdk.APIUserAbortError || state.signal?.aborted) return error
  const failure = error instanceof StreamReadError ? classifyStreamRead(error.failure, sdk) : classify(error, sdk)
  if (!failure) return error
  // The failover layer prefixes the model's label, so messages say only what went wrong.
  const message = redact(failure.message, state.secrets)
  const { errorClass, status, retryAfterMs } = failure
  const withStatus = { errorClass, ...(status === undefined ? {} : { status }) }
  if (state.started) return new ModelError('interrupted', message, withStatus)
  return new ModelError(failure.kind, message, { ...withStatus, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) })
}

interface Failure {
  kind: ModelError['kind']
  message: string
  errorClass: string
  status?: number
  retryAfterMs?: number
}

function classify(error: unknown, sdk: SdkErrorClasses): Failure | undefined {
  if (error instanceof StreamIdleError) return { kind: 'retry', errorClass: 'timeout', message: `stream stalled: ${error.message}` }
  if (error instanceof IncompleteStreamError) return { kind: 'retry', errorClass: 'incomplete', message: error.message }
  if (error instanceof sdk.APIConnectionTimeoutError) return { kind: 'retry', errorClass: 'timeout', message: 'request timed out' }
  if (error instanceof sdk.APIConnectionError) return { kind: 'retry', errorClass: 'connection', message: describe('connection failed', error) }
  if (error instanceof sdk.APIError) {
    if (error.status === undefined) return { kind: 'retry', errorClass: 'stream-error', message: describe('error event in the stream', error) }
    return {
      kind: kindForStatus(error.status),
      errorClass: 'http',
      status: error.status,
      retryAfterMs: retryAfterMs(headerReader(error.headers)),
      message: 'apiMessage' in error && typeof error.apiMessage === 'string' ? `${error.status} ${error.apiMessage}` : error.message,
    }
  }
  if (error instanceof SyntaxError) return { kind: 'retry', errorClass: 'malformed', message: describe('malformed response', error) }
  return undefined
}

/** Like `classify`, but anything else the stream throws (undici's `terminated` TypeError...) is a broken connection. */
function classifyStreamRead(error: unknown, sdk: SdkErrorClasses): Failure {
  const failure = classify(error, sdk)
  if (failure) return failure
  const message = error instanceof Error ? describe('connection lost', error) : `connection lost: ${String(error)}`
  return { kind: 'retry', errorClass: 'connection', message }
}

function describe(what: string, error: Error): string {
  const cause = error.cause instanceof Error ? `; ${error.cause.message}` : ''
  return `${what}: ${error.message}${cause}`
}

/** A `get(name)` view of response headers, whether a `Headers` object or a plain record. */
export function headerReader(headers: unknown): { get(name: string): string | null } | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined
  if ('get' in headers && typeof headers.get === 'function') return headers as { get(name: string): string | null }
  const entries = Object.entries(headers)
  return {
    get(name) {
      const found = entries.find(([key]) => key.toLowerCase() === name.toLowerCase())
      return found === undefined || found[1] == null ? null : String(found[1])
    },
  }
}

/** Anything shorter is no real key, and replacing it would only garble the message. */
const MIN_SECRET_LENGTH = 4

export function redact(text: string, secrets: readonly string[]): string {
  return secrets
    .filter((secret) => secret.length >= MIN_SECRET_LENGTH)
    .reduce((result, secret) => result.split(secret).join('[redacted]'), text)
}

// ---------------------------------------------------------------------------
// Tool-call arguments, shared by both backends

/** Arguments JSON as the model streamed it: an empty string is `{}`, text that is not a JSON object is kept raw. */
export function parseToolArguments(text: string): ToolCall['arguments'] {
  if (text.trim() === '') return {}
  try {
    const parsed: unknown = JSON.parse(text)
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Record<string, unknown>
  } catch {
    // kept raw below
  }
  return { unparsed: text }
}

/** The raw text of arguments that did not parse, or undefined for a parsed object. */
export function unparsedText(args: ToolCall['arguments']): string | undefined {
  const keys = Object.keys(args)
  return keys.length === 1 && keys[0] === 'unparsed' && typeof args.unparsed === 'string' ? args.unparsed : undefined
}
