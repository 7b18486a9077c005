// MemoryStore: documents with an optional session scope, persisted (document-log.ts), searched by
// BM25 and by vectors fused with RRF (hybrid.ts), with query expansion.
//
// Every write goes to the log before the in-memory indexes, so a failed write changes nothing.
// Writes are serialised; searches run against the state of the moment. On open the BM25 index is
// rebuilt from the stored texts and the vector index from the stored embeddings (or read from the
// FAISS file saved with the snapshot): nothing is embedded again.
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { AgentorError } from '../errors.js'
import { grown } from './core/grow.js'
import { loadRankingCore, type RankingCore } from './core/ranking-core.js'
import { WordTable } from './core/word-table.js'
import { WordTerms } from './core/word-terms.js'
import type { EmbedOptions, Embedder, HitExplanation, KeyFilter, MemoryConfig, MemoryDocument, MemoryHit, MemoryStats, NativeIndexFile, NewDocument, ScoredKey, SearchOptions, VectorIndex } from './contract.js'
import { DocumentLog, type EmbeddedDocument, type LogRecord, type StoredDocument, type VectorSpace } from './document-log.js'
import { createEmbedder } from './embedders/create.js'
import { StemHashEmbedder } from './embedders/stem-hash.js'
import { MISSING_RANK, fuseLegs, mergeVariants } from './hybrid.js'
import { KeywordIndex } from './keyword-index.js'
import { QueryExpander } from './query-expansion.js'
import { createVectorIndex, readVectorIndex, type VectorIndexSetup } from './vector/create.js'

export interface OpenOptions {
  /** Replaces the embedder `config.embedder` describes (custom embedders, tests). */
  embedder?: Embedder
  /** Where notices go (FAISS unavailable, a torn log record skipped…); default: nowhere. */
  onNotice?: (message: string) => void
  /** When the store was written with another embedder: embed every document again (else that is an error). */
  reembed?: boolean
  /** fsync each write (default true). */
  fsync?: boolean
}

export interface Explanation {
  id: string
  /** 1-based position in `search(query, options)`, or null when outside its top K or not visible. */
  rank: number | null
  /**
   * Per query variant: the document's rank in each leg over the whole visible collection (null:
   * no BM25 match), and the fused score it gets there (a rank beyond the candidate window counts
   * as missing, i.e. 1000).
   */
  variants: HitExplanation[]
}

/** Documents embedded, logged and indexed per step of a large add. */
const INGEST_BATCH = 2048
/**
 * Compact when the log outgrows both this and the snapshot (replaying a log costs about what
 * reading a snapshot does, so compaction is for disk space, not speed)…
 */
const COMPACT_LOG_BYTES = 256 << 20
/** …and on close when it exceeds this and an eighth of the snapshot. */
const COMPACT_ON_CLOSE_BYTES = 1 << 20

/** The store directory: `memory.path` resolved against the manifest's directory. */
export function memoryDir(manifestDir: string, config: MemoryConfig): string {
  return path.resolve(manifestDir, config.path)
}

export class MemoryStore {
  private readonly docs = new Map<string, StoredDocument>()
  private readonly byKey = new Map<number, StoredDocument>()
  /** Session → keys of its scoped documents. */
  private readonly scoped = new Map<string, Set<number>>()
  private scopedCount = 0
  private vectors: VectorIndex | undefined
  private readonly keywords: KeywordIndex
  /** The local embedder, when it numbers words with the BM25 leg's lexicon (see `analyse`). */
  private readonly sharedLexiconEmbedder: StemHashEmbedder | undefined
  private readonly expander = new QueryExpander()
  private readonly notices: string[] = []
  private queue: Promise<unknown> = Promise.resolve()
  private closed = false
  private closing: Promise<void> | undefined

  private constructor(
    readonly dir: string,
    private readonly config: MemoryConfig,
    private readonly embedder: Embedder,
    private readonly log: DocumentLog,
    private readonly core: RankingCore<number>,
    private space: VectorSpace | undefined,
    private nextKey: number,
    private readonly notify: (message: string) => void,
  ) {
    this.sharedLexiconEmbedder = embedder instanceof StemHashEmbedder ? embedder : undefined
    const embedderTerms = this.sharedLexiconEmbedder?.terms
    const terms = embedderTerms?.matches(config.bm25) ? embedderTerms : new WordTerms(this.sharedLexiconEmbedder?.lexicon ?? new WordTable(), config.bm25)
    this.keywords = new KeywordIndex(core.bm25, terms)
  }

  /** Opens (creating it if needed) the store in `dir`, which it locks until `close`. */
  static async open(dir: string, config: MemoryConfig, options: OpenOptions = {}): Promise<MemoryStore> {
    const embedder = options.embedder ?? createEmbedder(config.embedder)
    const core = await loadRankingCore<number>({ k1: config.bm25.k1, b: config.bm25.b })
    const { log, state } = DocumentLog.open(path.resolve(dir), { fsync: options.fsync })
    try {
      const notify = options.onNotice ?? (() => undefined)
      const docs = [...state.docs.values()].sort((a, b) => a.key - b.key)
      let space = state.space
      let native = state.native
      if (space && space.embedder !== embedder.id) {
        if (docs.length > 0 && !options.reembed) {
          throw new AgentorError('E_MEMORY_EMBEDDER_CHANGED', `memory store ${log.dir} holds ${space.embedder} embeddings, but memory.embedder is ${embedder.id}`, 're-embed it (open with reembed), or point memory.path at a new directory')
        }
        if (docs.length > 0) {
          space = await reembed(embedder, docs)
          log.snapshot(docs, ownVector, space, state.nextKey)
        } else {
          // Empty: a new log generation, whose first record names the new embedder.
          log.snapshot([], ownVector, space, state.nextKey)
          space = undefined
        }
        native = undefined
      }
      const store = new MemoryStore(log.dir, config, embedder, log, core, space, state.nextKey, notify)
      for (const warning of state.warnings) store.notice(warning)
      store.load(docs, native ? { native, snapshotKeys: state.snapshotKeys } : undefined)
      return store
    } catch (error) {
      log.close()
      throw error
    }
  }

  /** Adds documents; an id already stored is an error (use `upsert`). Returns the ids. */
  add(input: NewDocument | readonly NewDocument[], options: EmbedOptions = {}): Promise<string[]> {
    return this.write(async () => {
      const docs = this.validate(input, false)
      const taken = docs.find((doc) => doc.id !== undefined && this.docs.has(doc.id))
      if (taken) throw new AgentorError('E_MEMORY_DUPLICATE', `memory already holds a document '${taken.id}'`, 'use upsert to replace it')
      return this.ingest(docs, options)
    })
  }

  /** Adds documents, replacing those with the same id (their creation time is kept). */
  upsert(input: NewDocument | readonly NewDocument[], options: EmbedOptions = {}): Promise<string[]> {
    return this.write(() => this.ingest(this.validate(input, true), options))
  }

  /** Deletes documents by id; returns how many existed. */
  delete(ids: string | readonly string[]): Promise<number> {
    return this.write(async () => {
      const found = [...new Set(typeof ids === 'string' ? [ids] : ids)].flatMap((id) => this.docs.get(id) ?? [])
      this.log.append(found.map((doc) => ({ op: 'delete', id: doc.id, key: doc.key })), this.space!)
      this.log.sync()
      for (const doc of found) this.unindex(doc)
      this.maybeCompact()
      return found.length
    })
  }

  /** Every stored document's id. */
  ids(): IterableIterator<string> {
    return this.docs.keys()
  }

  get(id: string): MemoryDocument | undefined {
    const doc = this.docs.get(id)
    return doc && publicDocument(doc)
  }

  get size(): number {
    return this.docs.size
  }

  /** The topK best documents for the query that the session may see, each with why it ranks there. */
  async search(query: string, options: SearchOptions = {}): Promise<MemoryHit[]> {
    const plan = await this.plan(query, options)
    if (!plan) return []
    const lists = plan.variants.map((variant, i) => {
      const vector = this.vectorLeg(plan.queryVectors?.[i], plan.fetch, plan.filter)
      const bm25 = plan.alpha < 1 ? deterministic(this.keywords.search(variant, plan.fetch, plan.filter)) : []
      return fuseLegs(this.core, variant, vector, bm25, { alpha: plan.alpha, rrfK: this.config.fusion.rrfK })
    })
    return mergeVariants(lists, plan.topK).map(({ key, score, explain }) => ({ ...publicHit(this.byKey.get(key)!), score, explain }))
  }

  /** Where one document stands for a query, in each leg and after fusion (for debugging rankings). */
  async explain(query: string, id: string, options: SearchOptions = {}): Promise<Explanation> {
    const hits = await this.search(query, options)
    const position = hits.findIndex((hit) => hit.id === id)
    const doc = this.docs.get(id)
    const plan = await this.plan(query, options, { bothLegs: true })
    if (!doc || !plan || (plan.filter && !plan.filter.has(doc.key))) return { id, rank: null, variants: [] }
    const all = plan.filter?.size ?? this.docs.size
    const { alpha, fetch } = plan
    const k = this.config.fusion.rrfK
    const variants = plan.variants.map((variant, i): HitExplanation => {
      const v = rankOf(this.vectorLeg(plan.queryVectors?.[i], all, plan.filter), doc.key)
      const b = rankOf(deterministic(this.keywords.search(variant, all, plan.filter)), doc.key)
      const within = (rank: number | undefined): number => (rank !== undefined && rank <= fetch ? rank : MISSING_RANK)
      return {
        query: variant,
        bm25Rank: b?.rank ?? null,
        bm25Score: b?.score ?? null,
        vectorRank: v?.rank ?? null,
        vectorScore: v?.score ?? null,
        fused: alpha / (k + within(v?.rank)) + (1 - alpha) / (k + within(b?.rank)),
      }
    })
    return { id, rank: position < 0 ? null : position + 1, variants }
  }

  stats(): MemoryStats {
    const bm25 = this.core.bm25.stats()
    return {
      path: this.dir,
      documents: this.docs.size,
      scopedDocuments: this.scopedCount,
      sessions: this.scoped.size,
      embedder: this.embedder.id,
      dimension: this.space?.dimension ?? this.embedder.dimension,
      vectorIndex: this.vectors?.description ?? (this.config.vector.index === 'faiss' ? `faiss ${this.config.vector.factory} (not built yet)` : 'wasm flat (exact SIMD scan)'),
      bm25: { terms: this.keywords.terms, avgdl: bm25.avgdl },
      snapshotBytes: this.log.snapshotBytes,
      logBytes: this.log.logBytes,
      rankingCoreBytes: this.core.memoryBytes(),
      notices: [...this.notices],
    }
  }

  /** Writes a snapshot now and starts an empty log (done automatically as the log grows). */
  compact(): Promise<void> {
    return this.write(async () => this.snapshot())
  }

  /** Waits for pending writes, compacts a sizeable log and releases the directory. */
  close(): Promise<void> {
    this.closing ??= this.write(async () => {
      if (this.log.logBytes > Math.max(COMPACT_ON_CLOSE_BYTES, this.log.snapshotBytes / 8)) this.snapshot()
      this.closed = true
    }).finally(() => this.log.close())
    return this.closing
  }

  // -------------------------------------------------------------------------

  private notice(message: string): void {
    this.notices.push(message)
    this.notify(message)
  }

  private write<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new AgentorError('E_MEMORY_CLOSED', `memory store ${this.dir} is closed`)
      return task()
    })
    this.queue = run.catch(() => undefined)
    return run
  }

  private validate(input: NewDocument | readonly NewDocument[], needId: boolean): NewDocument[] {
    const list: readonly NewDocument[] = Array.isArray(input) ? input : [input as NewDocument]
    const seen = new Set<string>()
    return list.map((doc, i) => {
      const bad = (why: string): AgentorError => new AgentorError('E_MEMORY_INPUT', `memory document ${list.length > 1 ? `${i + 1} ` : ''}${why}`)
      if (typeof doc?.text !== 'string' || doc.text.trim() === '') throw bad('needs a non-empty text')
      if (doc.id !== undefined && (typeof doc.id !== 'string' || doc.id === '')) throw bad('has an invalid id (a non-empty string)')
      if (needId && doc.id === undefined) throw bad('needs an id to upsert')
      if (doc.id !== undefined && seen.has(doc.id)) throw bad(`repeats the id '${doc.id}'`)
      if (doc.id !== undefined) seen.add(doc.id)
      if (doc.session !== undefined && (typeof doc.session !== 'string' || doc.session === '')) throw bad('has an invalid session (a non-empty string)')
      const metadata = doc.metadata
      if (metadata === undefined) return { ...doc, metadata: {} }
      if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) throw bad('has metadata that is not an object')
      try {
        // A copy, and a check that it survives the log.
        return { ...doc, metadata: JSON.parse(JSON.stringify(metadata)) as Record<string, unknown> }
      } catch (error) {
        throw bad(`has metadata that is not JSON: ${error instanceof Error ? error.message : String(error)}`)
      }
    })
  }

  private async ingest(docs: NewDocument[], options: EmbedOptions): Promise<string[]> {
    const ids: string[] = []
    for (let start = 0; start < docs.length; start += INGEST_BATCH) {
      const batch = docs.slice(start, start + INGEST_BATCH)
      const { vectors, terms } = await this.analyse(batch.map((doc) => doc.text), options)
      const space = this.checkSpace(vectors)
      const now = new Date().toISOString()
      const replaced: StoredDocument[] = []
      const stored = batch.map((doc, i): EmbeddedDocument => {
        const id = doc.id ?? this.newId()
        const previous = this.docs.get(id)
        if (previous) replaced.push(previous)
        return { id, key: this.nextKey++, text: doc.text, metadata: doc.metadata ?? {}, ...(doc.session === undefined ? {} : { session: doc.session }), createdAt: previous?.createdAt ?? now, updatedAt: now, vector: vectors[i]! }
      })
      this.log.append(stored.map((doc): LogRecord => ({ op: 'add', doc })), space)
      for (const previous of replaced) this.unindex(previous)
      this.index(stored, terms)
      ids.push(...stored.map((doc) => doc.id))
    }
    this.log.sync()
    this.maybeCompact()
    return ids
  }

  /**
   * The texts' vectors and, when the local embedder shares the BM25 leg's lexicon, their BM25 term
   * ids too, from one tokenisation of each text instead of one per leg.
   */
  private async analyse(texts: readonly string[], options: EmbedOptions): Promise<{ vectors: Float32Array[]; terms?: Uint32Array[] }> {
    const embedder = this.sharedLexiconEmbedder
    if (!embedder) return { vectors: await this.embedder.embed(texts, options) }
    const { dimension } = embedder
    const rows = new Float32Array(texts.length * dimension)
    const vectors: Float32Array[] = []
    let buffer = new Uint32Array(texts.length * 64)
    const ends: number[] = []
    let end = 0
    texts.forEach((text, i) => {
      const words = embedder.lexicon.numbersOf(text)
      vectors.push(embedder.embedWords(words, rows.subarray(i * dimension, (i + 1) * dimension)))
      const terms = this.keywords.termsOf(words)
      buffer = grown(buffer, end + terms.length)
      buffer.set(terms, end)
      ends.push((end += terms.length))
    })
    return { vectors, terms: ends.map((stop, i) => buffer.subarray(i === 0 ? 0 : ends[i - 1], stop)) }
  }

  /** The store's vector space, set by the first vectors; vectors of another dimension are refused. */
  private checkSpace(vectors: readonly Float32Array[]): VectorSpace {
    const dimension = vectors[0]?.length ?? 0
    if (vectors.some((vector) => vector.length !== dimension) || dimension === 0) {
      throw new AgentorError('E_MEMORY_EMBEDDER', `embedder ${this.embedder.id} returned vectors of unequal or zero length`)
    }
    if (!this.space) {
      this.space = { embedder: this.embedder.id, dimension }
      this.vectors = createVectorIndex(this.vectorSetup(dimension))
    }
    if (dimension !== this.space.dimension) {
      throw new AgentorError('E_MEMORY_EMBEDDER_CHANGED', `embedder ${this.embedder.id} returned ${dimension}-dimensional vectors; the store holds ${this.space.dimension}-dimensional ones`, 're-embed the store or point memory.path at a new directory')
    }
    return this.space
  }

  private vectorSetup(dimension: number): VectorIndexSetup {
    return { config: this.config.vector, dimension, core: this.core, vectorOf: (key) => this.byKey.get(key)?.vector, notice: (message) => this.notice(message) }
  }

  private newId(): string {
    for (;;) {
      const id = randomBytes(6).toString('hex')
      if (!this.docs.has(id)) return id
    }
  }

  /** Builds the in-memory indexes from loaded documents (in key order). */
  private load(docs: EmbeddedDocument[], saved: { native: NativeIndexFile; snapshotKeys: Set<number> } | undefined): void {
    for (const doc of docs) this.track(doc)
    for (const doc of docs) this.keywords.add(doc.key, doc.text)
    if (!this.space) return
    const setup = this.vectorSetup(this.space.dimension)
    const restored = saved && readVectorIndex(setup, saved.native, path.join(this.dir, saved.native.file), saved.snapshotKeys)
    this.vectors = restored ?? createVectorIndex(setup)
    if (restored) {
      const live = new Set(docs.map((doc) => doc.key))
      restored.remove([...saved.snapshotKeys].filter((key) => !live.has(key)))
      this.addVectors(docs.filter((doc) => !saved.snapshotKeys.has(doc.key)))
    } else {
      this.addVectors(docs)
    }
  }

  /** Hands the documents' vectors to the vector index; they keep none when it keeps them readable (`vectorOf`). */
  private addVectors(docs: readonly EmbeddedDocument[]): void {
    const dim = this.space!.dimension
    const vectors = this.vectors!
    for (let start = 0; start < docs.length; start += INGEST_BATCH) {
      const batch = docs.slice(start, start + INGEST_BATCH)
      vectors.add(batch.map((doc) => doc.key), rowsOf(batch, dim))
    }
    if (vectors.vectorOf) dropVectors(docs)
  }

  /** A document's vector: its own, else the vector index's copy. */
  private vectorOf(doc: StoredDocument): Float32Array {
    const vector = doc.vector ?? this.vectors?.vectorOf?.(doc.key)
    if (!vector) throw new Error(`memory: document ${doc.id} has no vector`)
    return vector
  }

  private track(doc: StoredDocument): void {
    this.docs.set(doc.id, doc)
    this.byKey.set(doc.key, doc)
    if (doc.session === undefined) return
    let keys = this.scoped.get(doc.session)
    if (!keys) this.scoped.set(doc.session, (keys = new Set()))
    keys.add(doc.key)
    this.scopedCount++
  }

  /** `terms`: the docs' BM25 term ids when `analyse` gave them (else their texts are tokenised here). */
  private index(docs: readonly EmbeddedDocument[], terms?: readonly Uint32Array[]): void {
    docs.forEach((doc, i) => {
      this.track(doc)
      if (terms) this.keywords.addTerms(doc.key, terms[i]!)
      else this.keywords.add(doc.key, doc.text)
    })
    this.addVectors(docs)
  }

  private unindex(doc: StoredDocument): void {
    this.docs.delete(doc.id)
    this.byKey.delete(doc.key)
    this.keywords.remove(doc.key)
    this.vectors?.remove([doc.key])
    if (doc.session === undefined) return
    const keys = this.scoped.get(doc.session)!
    keys.delete(doc.key)
    if (keys.size === 0) this.scoped.delete(doc.session)
    this.scopedCount--
  }

  /** A failed compaction loses nothing (the log keeps every change), so it is a notice, not an error. */
  private maybeCompact(): void {
    if (this.log.logBytes <= Math.max(COMPACT_LOG_BYTES, this.log.snapshotBytes)) return
    try {
      this.snapshot()
    } catch (error) {
      this.notice(`memory: compaction failed (${error instanceof Error ? error.message : String(error)}); the log still holds every change`)
    }
  }

  private snapshot(): void {
    if (!this.space || this.log.logBytes === 0) return
    const vectors = this.vectors
    this.log.snapshot([...this.docs.values()], (doc) => this.vectorOf(doc), this.space, this.nextKey, vectors?.save && ((file) => vectors.save!(file)))
  }

  /**
   * What a search needs: variants, their vectors, the session's filter, the sizes. A leg whose
   * weight is 0 is not run (no query embedding at alpha 0, no BM25 at alpha 1) unless `bothLegs`.
   */
  private async plan(query: string, options: SearchOptions, { bothLegs = false } = {}) {
    const topK = options.topK ?? 5
    if (query.trim() === '' || topK <= 0 || this.docs.size === 0) return undefined
    const filter = this.filterFor(options)
    if (filter?.size === 0) return undefined
    const variants = (options.expand ?? this.config.queryExpansion) ? this.expander.expand(query) : [query]
    const alpha = Math.min(1, Math.max(0, options.alpha ?? this.config.fusion.alpha))
    const embedQuery = this.space && (alpha > 0 || bothLegs)
    const queryVectors = embedQuery ? await this.embedder.embed(variants, { signal: options.signal, termWeight: (word) => this.keywords.idf(word) }) : undefined
    return { topK, filter, variants, queryVectors, alpha, fetch: topK * this.config.fusion.candidateMultiplier }
  }

  private vectorLeg(query: Float32Array | undefined, k: number, filter: KeyFilter | undefined): ScoredKey[] {
    return query && this.vectors ? deterministic(this.vectors.search(query, k, filter)) : []
  }

  /** A session sees documents without a scope and its own; without a session, only the former. */
  private filterFor(options: SearchOptions): KeyFilter | undefined {
    if (options.allSessions || this.scopedCount === 0) return undefined
    const session = options.session
    const visible = (doc: StoredDocument | undefined): boolean => doc !== undefined && (doc.session === undefined || doc.session === session)
    const byKey = this.byKey
    return {
      size: this.docs.size - this.scopedCount + (session === undefined ? 0 : (this.scoped.get(session)?.size ?? 0)),
      has: (key) => visible(byKey.get(key)),
      *keys() {
        for (const [key, doc] of byKey) if (visible(doc)) yield key
      },
    }
  }
}

async function reembed(embedder: Embedder, docs: EmbeddedDocument[]): Promise<VectorSpace> {
  for (let start = 0; start < docs.length; start += INGEST_BATCH) {
    const batch = docs.slice(start, start + INGEST_BATCH)
    const vectors = await embedder.embed(batch.map((doc) => doc.text))
    batch.forEach((doc, i) => (doc.vector = vectors[i]!))
  }
  return { embedder: embedder.id, dimension: docs[0]!.vector.length }
}

/**
 * The documents' vectors as one row-major array: a view when they already lie back to back in one
 * buffer (an embedded batch, a loaded snapshot), else a copy.
 */
function rowsOf(docs: readonly EmbeddedDocument[], dim: number): Float32Array {
  const first = docs[0]!.vector
  const adjacent = docs.every(({ vector }, i) => vector.buffer === first.buffer && vector.byteOffset === first.byteOffset + i * dim * 4)
  if (adjacent) return new Float32Array(first.buffer, first.byteOffset, docs.length * dim)
  const rows = new Float32Array(docs.length * dim)
  docs.forEach((doc, i) => rows.set(doc.vector, i * dim))
  return rows
}

function dropVectors(docs: readonly StoredDocument[]): void {
  for (const doc of docs) doc.vector = undefined
}

const ownVector = (doc: EmbeddedDocument): Float32Array => doc.vector

/** Equal scores ordered by key, so that results do not depend on slot or row layout. */
function deterministic(hits: ScoredKey[]): ScoredKey[] {
  return hits.sort((a, b) => b.score - a.score || a.key - b.key)
}

function rankOf(hits: readonly ScoredKey[], key: number): { rank: number; score: number } | undefined {
  const i = hits.findIndex((hit) => hit.key === key)
  return i < 0 ? undefined : { rank: i + 1, score: hits[i]!.score }
}

function publicDocument(doc: StoredDocument): MemoryDocument {
  const { key: _key, vector: _vector, ...rest } = doc
  return { ...rest, metadata: structuredClone(rest.metadata) }
}

function publicHit(doc: StoredDocument): Omit<MemoryHit, 'score' | 'explain'> {
  const { createdAt: _created, updatedAt: _updated, ...rest } = publicDocument(doc)
  return rest
}
