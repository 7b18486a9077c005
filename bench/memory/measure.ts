// Timing and memory helpers for `npm run bench:memory`.
import { percentile } from '../support/processes.js'

export { percentile }

const gc = (globalThis as { gc?: () => void }).gc

export const gcExposed = gc !== undefined

/** Full collections (when --expose-gc), so that memory figures count live objects only. */
export async function collect(): Promise<void> {
  if (!gc) return
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

export interface MemorySample {
  /** heapUsed + external (external already includes arrayBuffers). */
  js: number
  rss: number
}

export async function sampleMemory(): Promise<MemorySample> {
  await collect()
  const usage = process.memoryUsage()
  return { js: usage.heapUsed + usage.external, rss: usage.rss }
}

/** Runs `fn` once per query after `warmup` unmeasured calls; returns the per-call milliseconds. */
export async function timeQueries<T>(queries: readonly T[], fn: (query: T) => unknown, warmup = 20): Promise<number[]> {
  for (let i = 0; i < Math.min(warmup, queries.length); i++) await fn(queries[i]!)
  const times: number[] = []
  for (const query of queries) {
    const start = performance.now()
    await fn(query)
    times.push(performance.now() - start)
  }
  return times
}

export const p = (times: readonly number[] | undefined, q: number): number | undefined => (times && times.length > 0 ? percentile(times, q) : undefined)
