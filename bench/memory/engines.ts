// The engines `npm run bench:memory` measures: agentor's MemoryStore in four vector
// configurations, and peer libraries (@orama/orama, minisearch, wink-bm25-text-search, bare
// faiss-node). Each runner builds its index, measures, and drops every reference before returning.
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEmbedder } from '../../src/engine/memory/embedders/create.js'
import { MemoryStore } from '../../src/engine/memory/store.js'
import { loadFaiss, type FaissIndex } from '../../src/engine/memory/vector/faiss-binding.js'
import { memoryConfig } from '../../test/support/schema-defaults.js'
import { installedVersion, PEERS, ROOT } from '../support/peers.js'
import type { BenchDoc, Corpus } from './corpus.js'
import { sampleMemory, timeQueries } from './measure.js'

export interface EngineResult {
  engine: string
  /** What exactly ran (index description, version). */
  detail: string
  peer: boolean
  docs: number
  ingestMs: number
  /** The main query: hybrid for agentor and orama, BM25 for minisearch/wink, vector for faiss. */
  queryMs: number[]
  queryKind: 'hybrid' | 'bm25' | 'vector'
  bm25Ms?: number[]
  /** agentor only: the private KeywordIndex alone (no embedding, no vector leg, no fusion). */
  bm25LegMs?: number[]
  vectorMs?: number[]
  /** Growth of heapUsed + external from before the index was built to after ingest (after GC). */
  jsBytes: number
  rssBytes: number
  /** Vector-only top 10 per query, with the vector scores (agentor; for recall against the exact scan). */
  vectorTop10?: { id: string; score: number }[][]
  /** CPU time (user + system, all threads) spent in ingest: with ingestMs, shows what other load took. */
  ingestCpuMs?: number
  notes: string[]
}

const require = createRequire(import.meta.url)
const requirePeer = createRequire(join(PEERS, 'package.json'))
const ADD_BATCH = 1000

export const AGENTOR_CONFIGS = [
  { key: 'wasm', name: 'agentor WASM exact scan', vector: { index: 'wasm' } },
  { key: 'faissFlat', name: 'agentor FAISS Flat', vector: { index: 'faiss', factory: 'Flat' } },
  { key: 'faissHnsw', name: 'agentor FAISS HNSW32 efC20 ef512', vector: { index: 'faiss', factory: 'HNSW32,Flat', efConstruction: 20, efSearch: 512 } },
  { key: 'faissPq', name: 'agentor FAISS PQ256x4fs,Refine(SQfp16) kFactor 200', vector: { index: 'faiss', factory: 'PQ256x4fs,Refine(SQfp16)', kFactor: 200 } },
] as const

export async function runAgentor(corpus: Corpus, setup: (typeof AGENTOR_CONFIGS)[number], progress: (m: string) => void): Promise<EngineResult> {
  const config = memoryConfig({ vector: setup.vector } as Parameters<typeof memoryConfig>[0])
  const dir = mkdtempSync(join(tmpdir(), 'agentor-memory-bench-'))
  const notes: string[] = []
  const before = await sampleMemory()
  let store: MemoryStore | undefined = await MemoryStore.open(dir, config, { fsync: false, onNotice: (m) => notes.push(m) })
  try {
    const start = performance.now()
    const cpuStart = process.cpuUsage()
    for (let i = 0; i < corpus.docs.length; i += ADD_BATCH) {
      await store.add(corpus.docs.slice(i, i + ADD_BATCH))
      if ((i / ADD_BATCH) % 100 === 99) progress(`${setup.name}: ${i + ADD_BATCH} docs added`)
    }
    const ingestMs = performance.now() - start
    const cpu = process.cpuUsage(cpuStart)
    const after = await sampleMemory()
    const stats = store.stats()
    const s = store
    const queryMs = await timeQueries(corpus.queries, (q) => s.search(q, { topK: 10, allSessions: true }))
    const bm25Ms = await timeQueries(corpus.queries, (q) => s.search(q, { topK: 10, alpha: 0, allSessions: true }))
    const vectorMs = await timeQueries(corpus.queries, (q) => s.search(q, { topK: 10, alpha: 1, allSessions: true }))
    // alpha 0 runs only BM25 but with query expansion and the store's bookkeeping; the BM25 leg
    // alone is timed on the store's private KeywordIndex (raw query, candidate window topK ×
    // candidateMultiplier = 30).
    const keywords = (s as unknown as { keywords: { search(q: string, k: number, filter?: unknown): unknown } }).keywords
    const bm25LegMs = await timeQueries(corpus.queries, (q) => keywords.search(q, 10 * config.fusion.candidateMultiplier))
    const vectorTop10: { id: string; score: number }[][] = []
    for (const q of corpus.queries) vectorTop10.push((await s.search(q, { topK: 10, alpha: 1, expand: false, allSessions: true })).map((hit) => ({ id: hit.id, score: hit.explain.vectorScore ?? NaN })))
    return {
      engine: setup.name, peer: false, docs: store.size, ingestMs, ingestCpuMs: (cpu.user + cpu.system) / 1000, queryMs, queryKind: 'hybrid', bm25Ms, bm25LegMs, vectorMs, vectorTop10,
      detail: `${stats.vectorIndex}; BM25 ${stats.bm25.terms} terms; log ${(stats.logBytes / 2 ** 20).toFixed(0)} MiB`,
      jsBytes: after.js - before.js, rssBytes: after.rss - before.rss, notes,
    }
  } finally {
    await store.close()
    store = undefined
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * docs/s of agentor's ingest (WASM store, same batches) with every vector computed beforehand: the
 * ceiling for everything but embedding (log, BM25, vector index, bookkeeping).
 */
export async function ingestWithoutEmbedding(corpus: Corpus): Promise<number> {
  const real = defaultEmbedder()
  const vectors = new Map<string, Float32Array>()
  for (let i = 0; i < corpus.docs.length; i += ADD_BATCH) {
    const batch = corpus.docs.slice(i, i + ADD_BATCH)
    ;(await real.embed(batch.map((doc) => doc.text))).forEach((vector, j) => vectors.set(batch[j]!.text, vector))
  }
  const precomputed = { id: real.id, dimension: real.dimension, embed: async (texts: readonly string[]) => texts.map((text) => vectors.get(text)!) }
  const dir = mkdtempSync(join(tmpdir(), 'agentor-memory-bench-'))
  const store = await MemoryStore.open(dir, memoryConfig({ vector: { index: 'wasm' } }), { fsync: false, embedder: precomputed })
  try {
    const start = performance.now()
    for (let i = 0; i < corpus.docs.length; i += ADD_BATCH) await store.add(corpus.docs.slice(i, i + ADD_BATCH))
    return corpus.docs.length / ((performance.now() - start) / 1000)
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The embedder a manifest gets by default (the local one). */
export const defaultEmbedder = () => createEmbedder(memoryConfig().embedder)

/** Local-embedder vectors of every document and query, for the peers that take vectors (not timed with them). */
export async function embedAll(corpus: Corpus, docs: readonly BenchDoc[]) {
  const embedder = defaultEmbedder()
  const start = performance.now()
  const docVectors = await embedder.embed(docs.map((d) => d.text))
  const embedMs = performance.now() - start
  const queryVectors = await embedder.embed(corpus.queries)
  return { docVectors, queryVectors, embedMs, dimension: embedder.dimension! }
}

export async function runOrama(corpus: Corpus, limit: number): Promise<EngineResult> {
  // Typed loosely: bench/peers is outside the root tsconfig's module resolution.
  type Orama = { create(o: object): object; insertMultiple(db: object, docs: object[], batch: number): Promise<unknown> | unknown; search(db: object, params: object): Promise<unknown> | unknown }
  const { create, insertMultiple, search } = await import(requirePeer.resolve('@orama/orama')) as Orama
  const docs = corpus.docs.slice(0, limit)
  const { docVectors, queryVectors, dimension } = await embedAll(corpus, docs)
  const before = await sampleMemory()
  // Plain arrays: Orama does not take Float32Array.
  let rows: { id: string; text: string; embedding: number[] }[] | undefined = docs.map((d, i) => ({ id: d.id, text: d.text, embedding: Array.from(docVectors[i]!) }))
  let db: object | undefined = create({ schema: { text: 'string', embedding: `vector[${dimension}]` } })
  const start = performance.now()
  await insertMultiple(db, rows, 1000)
  const ingestMs = performance.now() - start
  rows = undefined
  const after = await sampleMemory()
  const orama = db
  const qv = queryVectors.map((v) => Array.from(v))
  const indexOf = new Map(corpus.queries.map((q, i) => [q, i]))
  const hybrid = (term: string) => search(orama, { mode: 'hybrid', term, vector: { value: qv[indexOf.get(term)!]!, property: 'embedding' }, similarity: 0, includeVectors: false, limit: 10 })
  const queryMs = await timeQueries(corpus.queries, hybrid)
  const bm25Ms = await timeQueries(corpus.queries, (term) => search(orama, { term, limit: 10 }))
  const vectorMs = await timeQueries(corpus.queries, (term) => search(orama, { mode: 'vector', vector: { value: qv[indexOf.get(term)!]!, property: 'embedding' }, similarity: 0, includeVectors: false, limit: 10 }))
  db = undefined
  return {
    engine: '@orama/orama hybrid', peer: true, docs: docs.length, ingestMs, queryMs, queryKind: 'hybrid', bm25Ms, vectorMs,
    detail: `@orama/orama ${version('@orama/orama')}; vectors precomputed (local embedder), not in ingest or query times`,
    jsBytes: after.js - before.js, rssBytes: after.rss - before.rss, notes: [],
  }
}

export async function runMiniSearch(corpus: Corpus): Promise<EngineResult> {
  type MiniSearchIndex = { addAll(docs: readonly object[]): void; search(q: string): unknown[] }
  const MiniSearch = (await import(requirePeer.resolve('minisearch'))).default as new (options: object) => MiniSearchIndex
  const before = await sampleMemory()
  let index: MiniSearchIndex | undefined = new MiniSearch({ fields: ['text'], idField: 'id' })
  const start = performance.now()
  index.addAll(corpus.docs)
  const ingestMs = performance.now() - start
  const after = await sampleMemory()
  const ms = index
  const queryMs = await timeQueries(corpus.queries, (q) => ms.search(q).slice(0, 10))
  index = undefined
  return {
    engine: 'minisearch', peer: true, docs: corpus.docs.length, ingestMs, queryMs, queryKind: 'bm25',
    detail: `minisearch ${version('minisearch')}; BM25+, OR of terms, no stemming; search returns every match (sorted), top 10 taken`,
    jsBytes: after.js - before.js, rssBytes: after.rss - before.rss, notes: [],
  }
}

export async function runWink(corpus: Corpus): Promise<EngineResult> {
  type Wink = { defineConfig(c: object): void; definePrepTasks(t: unknown[]): void; addDoc(d: object, id: string): void; consolidate(): void; search(q: string, k: number): [string, number][] }
  const nlp = require('wink-nlp-utils') as { string: { lowerCase: unknown; tokenize0: unknown }; tokens: { removeWords: unknown; stem: unknown } }
  const before = await sampleMemory()
  let engine: Wink | undefined = (require('wink-bm25-text-search') as () => Wink)()
  engine.defineConfig({ fldWeights: { text: 1 }, bm25Params: { k1: 1.2, b: 0.75, k: 1 } })
  engine.definePrepTasks([nlp.string.lowerCase, nlp.string.tokenize0, nlp.tokens.removeWords, nlp.tokens.stem])
  const start = performance.now()
  for (const doc of corpus.docs) engine.addDoc({ text: doc.text }, doc.id)
  engine.consolidate()
  const ingestMs = performance.now() - start
  const after = await sampleMemory()
  const wink = engine
  const queryMs = await timeQueries(corpus.queries, (q) => wink.search(q, 10))
  engine = undefined
  return {
    engine: 'wink-bm25-text-search', peer: true, docs: corpus.docs.length, ingestMs, queryMs, queryKind: 'bm25',
    detail: `wink-bm25-text-search ${version('wink-bm25-text-search', true)}; stem + stop words; ingest includes consolidate()`,
    jsBytes: after.js - before.js, rssBytes: after.rss - before.rss, notes: [],
  }
}

export async function runFaissFlat(corpus: Corpus): Promise<EngineResult | undefined> {
  const { faiss, reason } = loadFaiss()
  if (!faiss) return { engine: 'faiss-node IndexFlatIP', peer: true, docs: 0, ingestMs: NaN, queryMs: [], queryKind: 'vector', jsBytes: NaN, rssBytes: NaN, detail: `unavailable: ${reason}`, notes: [] }
  const { docVectors, queryVectors, dimension } = await embedAll(corpus, corpus.docs)
  let rows: Float32Array | undefined = new Float32Array(docVectors.length * dimension)
  docVectors.forEach((v, i) => rows!.set(v, i * dimension))
  const before = await sampleMemory()
  let index: FaissIndex | undefined = new faiss.IndexFlatIP(dimension)
  const start = performance.now()
  index.add(rows)
  const ingestMs = performance.now() - start
  const after = await sampleMemory()
  rows = undefined // dropped after sampling: it was in `before` too, so freeing it first showed as −100 MiB
  const flat = index
  const queryMs = await timeQueries(queryVectors, (v) => flat.search(v, 10))
  index = undefined
  return {
    engine: 'faiss-node IndexFlatIP', peer: true, docs: corpus.docs.length, ingestMs, queryMs, queryKind: 'vector',
    detail: `faiss-node ${version('faiss-node', true)} (agentor's patched build); vectors precomputed, not in ingest or query times; native memory shows in RSS only`,
    jsBytes: after.js - before.js, rssBytes: after.rss - before.rss, notes: [],
  }
}

function version(name: string, root = false): string {
  try {
    return installedVersion(root ? ROOT : PEERS, name)
  } catch {
    return '?'
  }
}
