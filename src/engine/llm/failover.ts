import type { ResolvedRetryPolicy } from '../manifest/generated/manifest-types.js'
import type { EventSink } from '../agent/events.js'
import { AgentorError } from '../errors.js'
import type { ModelBackend, ModelCallbacks, ModelRequest, ModelTurn } from './contract.js'
import { ModelError } from './model-error.js'

/** A model's answer broke off after output had started; not retried, since the output was already seen. */
export class StreamInterruptedError extends AgentorError {
  constructor(readonly model: string, cause: string) {
    super('E_MODEL_STREAM_INTERRUPTED', `${model}: the answer broke off mid-stream: ${cause}`, 'the partial answer is in the transcript; run again with --session to continue from it')
  }
}

export interface ChainLink {
  backend: ModelBackend
  retry: ResolvedRetryPolicy
}

export interface FailoverOptions {
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  random?: () => number
}

/**
 * Tries each model in order. Transient failures are retried with capped exponential backoff and
 * jitter (or the server's Retry-After, capped by the policy); a model that cannot serve the
 * request is left at once. Output that already streamed is never silently retried.
 */
export class FailoverModel {
  constructor(
    private readonly chain: readonly ChainLink[],
    private readonly options: FailoverOptions,
  ) {}

  get labels(): string[] {
    return this.chain.map((link) => link.backend.label)
  }

  /**
   * Answers from the first model, from `startAt` on, that can. `emit` receives a `model_retry` or
   * `model_failover` event for every retry and every move to the next model. The result says which
   * position answered, so a run can keep going from there instead of paying again for models that
   * already failed.
   */
  async complete(request: ModelRequest, callbacks: ModelCallbacks & { emit: EventSink; startAt?: number }): Promise<ModelTurn & { model: string; position: number }> {
    const lastErrors: string[] = []
    for (const [position, { backend, retry }] of this.chain.entries()) {
      if (position < (callbacks.startAt ?? 0)) continue
      const next = this.chain[position + 1]?.backend.label ?? null
      for (let attempt = 0; ; attempt++) {
        try {
          return { ...(await backend.complete(request, callbacks)), model: backend.label, position }
        } catch (error) {
          if (!(error instanceof ModelError)) throw error
          if (error.kind === 'interrupted') {
            throw new StreamInterruptedError(backend.label, error.message)
          }
          if (error.kind === 'retry' && attempt < retry.maxRetries) {
            const delayMs = this.delay(retry, attempt, error.details.retryAfterMs)
            callbacks.emit({ type: 'model_retry', model: backend.label, attempt: attempt + 1, delayMs, reason: error.message, ...(error.details.status ? { status: error.details.status } : {}) })
            await (this.options.sleep ?? sleep)(delayMs, request.signal)
            continue
          }
          const reason = error.kind === 'retry' ? `${error.message} (after ${attempt + 1} attempts)` : error.message
          lastErrors.push(`${backend.label}: ${error.kind === 'credential' ? 'credential problem: ' : ''}${reason}`)
          callbacks.emit({ type: 'model_failover', from: backend.label, to: next, reason, credential: error.kind === 'credential' })
          break
        }
      }
    }
    throw new AgentorError('E_MODEL_UNAVAILABLE', `every model failed:\n  ${lastErrors.join('\n  ')}`, 'check the models, keys and base URLs in the manifest; the transcript has every attempt')
  }

  private delay(policy: ResolvedRetryPolicy, attempt: number, retryAfterMs: number | undefined): number {
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.backoffMaxMs)
    const ceiling = Math.min(policy.backoffBaseMs * 2 ** attempt, policy.backoffMaxMs)
    return Math.round(ceiling / 2 + ((this.options.random ?? Math.random)() * ceiling) / 2)
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason) }, { once: true })
  })
}
