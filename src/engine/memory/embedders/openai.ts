// Embeddings from OpenAI's API (or any server speaking its wire format, through `baseUrl`), on the
// official SDK, `batchSize` texts per request. Failures are classified as the chat backends do
// (llm/sdk-errors.ts, by HTTP status and error class): 408, 409, 429, 5xx, timeouts and connection
// errors are retried with capped exponential backoff and jitter, or after the server's
// Retry-After (capped by the policy); any other 4xx fails at once.
import OpenAI from 'openai'
import { AgentorError } from '../../errors.js'
import type { ResolvedRetryPolicy } from '../../manifest/generated/manifest-types.js'
import { ModelError } from '../../llm/model-error.js'
import { toModelError } from '../../llm/sdk-errors.js'
import type { EmbedOptions, Embedder } from '../contract.js'

export interface OpenAIEmbedderOptions {
  model: string
  /** Default: OPENAI_API_KEY. A server given by `baseUrl` may need none. */
  apiKey?: string
  baseUrl?: string
  /** Texts per request; default 64. */
  batchSize?: number
  /** Per request; default 60 s. */
  timeoutMs?: number
  /** Default 3 retries, 500 ms base, 30 s cap (the manifest's retry policy defaults). */
  retry?: ResolvedRetryPolicy
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
  random?: () => number
}

const API_KEY_ENV = 'OPENAI_API_KEY'
const DEFAULT_RETRY: ResolvedRetryPolicy = { maxRetries: 3, backoffBaseMs: 500, backoffMaxMs: 30_000 }

export class OpenAIEmbedder implements Embedder {
  readonly id: string
  /** Requests sent, retries included (for tests and stats). */
  requests = 0
  private dim: number | undefined
  private client: OpenAI | undefined
  private readonly batchSize: number
  private readonly retry: ResolvedRetryPolicy

  constructor(private readonly options: OpenAIEmbedderOptions) {
    if (!options.model) throw new Error('the openai embedder needs a model')
    this.id = `openai:${options.model}`
    this.batchSize = options.batchSize ?? 64
    this.retry = options.retry ?? DEFAULT_RETRY
  }

  get dimension(): number | undefined {
    return this.dim
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    const out: Float32Array[] = []
    for (let start = 0; start < texts.length; start += this.batchSize) {
      out.push(...(await this.embedBatch(texts.slice(start, start + this.batchSize), options.signal)))
    }
    return out
  }

  private connect(): { client: OpenAI; apiKey: string } {
    const apiKey = this.options.apiKey || process.env[API_KEY_ENV] || ''
    if (!apiKey && !this.options.baseUrl) {
      throw new AgentorError('E_EMBEDDINGS_FAILED', `openai embeddings: no API key: set ${API_KEY_ENV} or memory.embedder.apiKey`)
    }
    this.client ??= new OpenAI({
      // Local OpenAI-compatible servers ignore the key, but the SDK insists on one.
      apiKey: apiKey || 'unused',
      baseURL: this.options.baseUrl || undefined,
      maxRetries: 0,
      timeout: this.options.timeoutMs ?? 60_000,
    })
    return { client: this.client, apiKey }
  }

  private async embedBatch(input: string[], signal: AbortSignal | undefined): Promise<Float32Array[]> {
    const { client, apiKey } = this.connect()
    for (let attempt = 0; ; attempt++) {
      try {
        this.requests++
        const response = await client.embeddings.create({ model: this.options.model, input, encoding_format: 'float' }, { signal })
        return this.vectors(response, input.length)
      } catch (caught) {
        const error = toModelError(caught, OpenAI, { secrets: [apiKey], started: false, signal })
        if (!(error instanceof ModelError)) throw error
        if (error.kind !== 'retry' || attempt >= this.retry.maxRetries) {
          const after = error.kind === 'retry' ? ` (after ${attempt + 1} attempts)` : ''
          const what = error.kind === 'credential' ? 'credential problem: ' : ''
          throw new AgentorError('E_EMBEDDINGS_FAILED', `openai embeddings (${this.options.model}): ${what}${error.message}${after}`, 'check memory.embedder (model, apiKey, baseUrl)')
        }
        await (this.options.sleep ?? sleep)(this.delay(attempt, error.details.retryAfterMs), signal)
      }
    }
  }

  private delay(attempt: number, retryAfterMs: number | undefined): number {
    const policy = this.retry
    if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.backoffMaxMs)
    const ceiling = Math.min(policy.backoffBaseMs * 2 ** attempt, policy.backoffMaxMs)
    return Math.round(ceiling / 2 + ((this.options.random ?? Math.random)() * ceiling) / 2)
  }

  /** The response's vectors in input order, L2-normalised; a malformed answer is an error. */
  private vectors(response: OpenAI.CreateEmbeddingResponse, expected: number): Float32Array[] {
    const malformed = (why: string): AgentorError => new AgentorError('E_EMBEDDINGS_FAILED', `openai embeddings (${this.options.model}): malformed response: ${why}`)
    const data = Array.isArray(response?.data) ? response.data : undefined
    if (!data || data.length !== expected) throw malformed(`${data?.length ?? 'no'} embeddings for ${expected} inputs`)
    const out = new Array<Float32Array>(expected)
    for (const item of data) {
      const { index, embedding } = item
      if (!Number.isInteger(index) || index < 0 || index >= expected || out[index]) throw malformed(`bad or repeated index ${index}`)
      if (!Array.isArray(embedding) || embedding.length === 0) throw malformed(`embedding ${index} is not a list of numbers`)
      this.dim ??= embedding.length
      if (embedding.length !== this.dim) throw malformed(`embedding ${index} has ${embedding.length} dimensions, expected ${this.dim}`)
      const vector = normalise(Float32Array.from(embedding))
      if (vector.some((x) => !Number.isFinite(x))) throw malformed(`embedding ${index} holds a value that is not a finite number`)
      out[index] = vector
    }
    return out
  }
}

function normalise(vector: Float32Array): Float32Array {
  let sum = 0
  for (const x of vector) sum += x * x
  if (sum > 0) {
    const norm = Math.sqrt(sum)
    for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! / norm
  }
  return vector
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(resolve, ms)
    signal?.addEventListener('abort', () => { clearTimeout(timer); reject(signal.reason) }, { once: true })
  })
}
