import { createHash } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { relative } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { chunkText } from './chunking.js'
import type { MemoryConfig } from './contract.js'
import type { MemoryStore } from './store.js'

export interface IndexProgress {
  file: string
  done: number
  total: number
  outcome: 'indexed' | 'unchanged' | 'skipped'
  chunks: number
}

export interface IndexSummary {
  files: number
  indexed: number
  unchanged: number
  skipped: { file: string; reason: string }[]
  /** Sources (paths as stored) indexed or found unchanged. */
  kept: Set<string>
  chunks: number
  removedChunks: number
}

const MAX_FILE_BYTES = 8 * 1024 * 1024
const GZIP_MAGIC = [0x1f, 0x8b]

/**
 * Indexes files into the store as overlapping chunks with ids `<path>#<n>`. A file whose content
 * hash is already stored is skipped; a changed file's old chunks are replaced. Gzipped files
 * (Debian ships most documentation as `.gz`) are indexed by their decompressed text.
 */
export async function indexFiles(store: MemoryStore, files: readonly string[], baseDir: string, config: MemoryConfig, onProgress?: (progress: IndexProgress) => void): Promise<IndexSummary> {
  const summary: IndexSummary = { files: files.length, indexed: 0, unchanged: 0, skipped: [], kept: new Set(), chunks: 0, removedChunks: 0 }
  for (const [position, file] of files.entries()) {
    const source = relative(baseDir, file) || file
    const report = (outcome: IndexProgress['outcome'], chunks = 0) => onProgress?.({ file: source, done: position + 1, total: files.length, outcome, chunks })
    const text = readText(file)
    if (typeof text !== 'string') {
      summary.skipped.push({ file: source, reason: text.reason })
      report('skipped')
      continue
    }
    const sha256 = createHash('sha256').update(text).digest('hex')
    const previous = chunkIdsOf(store, source)
    if (previous.length > 0 && store.get(previous[0]!)?.metadata.sha256 === sha256) {
      summary.unchanged++
      summary.kept.add(source)
      report('unchanged')
      continue
    }
    const chunks = chunkText(text, config.chunk.size, config.chunk.overlap)
    const ids = chunks.map((chunk) => `${source}#${chunk.index}`)
    const stale = previous.filter((id) => !ids.includes(id))
    if (stale.length) summary.removedChunks += await store.delete(stale)
    await store.upsert(chunks.map((chunk, index) => ({ id: ids[index]!, text: chunk.text, metadata: { source, chunk: chunk.index, offset: chunk.offset, sha256 } })))
    summary.indexed++
    summary.kept.add(source)
    summary.chunks += chunks.length
    report('indexed', chunks.length)
  }
  return summary
}

function chunkIdsOf(store: MemoryStore, source: string): string[] {
  const ids: string[] = []
  for (let index = 0; store.get(`${source}#${index}`); index++) ids.push(`${source}#${index}`)
  return ids
}

function readText(file: string): string | { reason: string } {
  try {
    const stat = statSync(file)
    if (!stat.isFile()) return { reason: 'not a regular file' }
    if (stat.size > MAX_FILE_BYTES) return { reason: `larger than ${MAX_FILE_BYTES / 1048576} MiB` }
    const bytes = decompressed(readFileSync(file))
    if (!bytes) return { reason: `decompresses to more than ${MAX_FILE_BYTES / 1048576} MiB` }
    if (bytes.subarray(0, 8192).includes(0)) return { reason: 'binary' }
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch (error) {
    if (error instanceof TypeError) return { reason: 'not UTF-8 text' }
    const code = (error as NodeJS.ErrnoException).code
    return { reason: code?.startsWith('Z_') ? 'corrupt gzip data' : String(code ?? error) }
  }
}

/** The file's bytes, gunzipped when they are gzip; undefined when that exceeds the size cap (a gzip bomb). */
function decompressed(bytes: Buffer): Buffer | undefined {
  if (bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) return bytes
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_FILE_BYTES })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return undefined
    throw error
  }
}
