import { resolve, sep } from 'node:path'
import picomatch from 'picomatch'
import type { MemoryStore } from './store.js'

export interface PruneSummary {
  files: number
  chunks: number
}

/**
 * Deletes the chunks of indexed files that lie under the given paths (a file, a directory — which
 * may be gone — or a glob) but were not indexed or found unchanged in this run (`kept`): files
 * deleted, no longer matched, or now skipped. Only chunks the file indexer wrote are touched (id
 * `<source>#<chunk>` and a content hash), never documents stored by other means.
 */
export async function pruneUnlisted(store: MemoryStore, patterns: readonly string[], kept: ReadonlySet<string>, baseDir: string): Promise<PruneSummary> {
  const inScope = scopeOf(patterns, baseDir)
  const stale = new Map<string, string[]>()
  for (const id of store.ids()) {
    // The id names the source, so kept and out-of-scope chunks are passed over without reading (copying) their document.
    const hash = id.lastIndexOf('#')
    if (hash <= 0) continue
    const source = id.slice(0, hash)
    if (kept.has(source) || !inScope(resolve(baseDir, source))) continue
    const { metadata } = store.get(id)!
    if (metadata.source !== source || typeof metadata.sha256 !== 'string' || id !== `${source}#${metadata.chunk}`) continue
    const ids = stale.get(source)
    if (ids) ids.push(id)
    else stale.set(source, [id])
  }
  const chunks = await store.delete([...stale.values()].flat())
  return { files: stale.size, chunks }
}

/** A path is in scope when a pattern, taken as a glob, matches it, or when it lies below a pattern taken as a directory. */
function scopeOf(patterns: readonly string[], baseDir: string): (path: string) => boolean {
  const absolute = patterns.map((pattern) => resolve(baseDir, pattern))
  const matchers = absolute.map((pattern) => picomatch(pattern, { dot: true }))
  return (path) => absolute.some((pattern) => path.startsWith(pattern + sep)) || matchers.some((matches) => matches(path))
}
