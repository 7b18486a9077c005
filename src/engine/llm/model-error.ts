/**
 * How a failed model call should be handled, decided from the HTTP status or the error class,
 * never from message text:
 * - `retry`: transient (408, 409, 429, 5xx, timeouts, connection errors); retry with backoff.
 * - `next-model`: this model cannot serve the request (400, 404, 422, other 4xx); move on at once.
 * - `credential`: 401/403; move on at once and report a credential problem.
 * - `interrupted`: the stream broke after output had started; reported, never silently retried.
 */
export type FailureKind = 'retry' | 'next-model' | 'credential' | 'interrupted'

export class ModelError extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly details: { status?: number; retryAfterMs?: number; errorClass?: string } = {},
  ) {
    super(message)
    this.name = 'ModelError'
  }
}

export function kindForStatus(status: number): FailureKind {
  if (status === 401 || status === 403) return 'credential'
  if (status === 408 || status === 409 || status === 429 || status >= 500) return 'retry'
  return 'next-model'
}

/** `Retry-After` (seconds or an HTTP date) and `retry-after-ms`, in milliseconds. */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  const milliseconds = headers?.get('retry-after-ms')
  if (milliseconds && Number.isFinite(Number(milliseconds))) return Math.max(0, Number(milliseconds))
  const value = headers?.get('retry-after')
  if (!value) return undefined
  if (Number.isFinite(Number(value))) return Math.max(0, Number(value) * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}
