// The pieces of the memory store: documents, embedders, vector indexes, search results.
import type { ResolvedMemory } from '../manifest/generated/manifest-types.js'

export type MemoryConfig = ResolvedMemory

/** JSON-serialisable data kept with a document and returned with it. */
export type Metadata = Record<string, unknown>

export interface MemoryDocument {
  id: string
  text: string
  metadata: Metadata
  /** When set, only that session sees the document; when unset, every session does. */
  session?: string
  /** ISO 8601 times of the first `add` and of the last write. */
  createdAt: string
  updatedAt: string
}

export interface NewDocument {
  /** Generated (12 hex digits) when omitted; required by `upsert`. */
  id?: string
  text: string
  metadata?: Metadata
  session?: string
}

export interface EmbedOptions {
  signal?: AbortSignal
  /**
   * For query texts: a word's weight (the store passes its BM25 idf). Embedders whose features
   * are words use it; others ignore it.
   */
  termWeight?: (word: string) => number
}

/** Turns texts into vectors. Implementations: local (hashing) and openai; anything else fits. */
export interface Embedder {
  /**
   * Names the vector space (algorithm or model, and dimension). A store remembers it: vectors
   * from an embedder with another id are not comparable, so such a store must be re-embedded.
   */
  readonly id: string
  /** Known up front, or undefined until the first call answers (a remote model's). */
  readonly dimension: number | undefined
  /** One L2-normalised vector per text, in order. */
  embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]>
}

/** A search hit inside an index: the document's numeric key and its score. */
export interface ScoredKey {
  key: number
  score: number
}

/** The keys a search may return (a session's view of the store). */
export interface KeyFilter {
  readonly size: number
  has(key: number): boolean
  keys(): Iterable<number>
}

/** What a native index wrote beside the snapshot, so that it can be read back instead of rebuilt. */
export interface NativeIndexFile {
  file: string
  description: string
  ntotal: number
  /** Keys still inside the index but deleted (indexes that cannot remove). */
  tombstones: number[]
  /** The vector subtracted from every row before it entered the index (HNSW; see faiss-index.ts). */
  centre?: number[]
}

/** Nearest neighbours by inner product over L2-normalised vectors (= cosine similarity). */
export interface VectorIndex {
  /** For stats and notices, e.g. `wasm flat (SIMD)` or `faiss IDMap2,HNSW32,Flat`. */
  readonly description: string
  readonly size: number
  /** `vectors` holds keys.length rows, row-major; an existing key is replaced. */
  add(keys: readonly number[], vectors: Float32Array): void
  remove(keys: readonly number[]): void
  /** A copy of a key's vector, from an index that keeps its vectors readable (the store then keeps none of its own). */
  vectorOf?(key: number): Float32Array | undefined
  /** Best first, at most k, only keys the filter accepts. */
  search(query: Float32Array, k: number, filter?: KeyFilter): ScoredKey[]
  /** Writes the index to `file` when it has a file format of its own (FAISS); undefined when it cannot now. */
  save?(file: string): NativeIndexFile | undefined
}

/** Why a hit ranks where it does. Ranks are 1-based positions in each leg's candidate list. */
export interface HitExplanation {
  /** The query variant (after expansion) that gave this hit its best score. */
  query: string
  bm25Rank: number | null
  bm25Score: number | null
  vectorRank: number | null
  vectorScore: number | null
  /** alpha/(k + vectorRank) + (1 − alpha)/(k + bm25Rank), a missing rank counting as 1000. */
  fused: number
}

export interface MemoryHit {
  id: string
  text: string
  metadata: Metadata
  session?: string
  score: number
  explain: HitExplanation
}

export interface SearchOptions {
  /** Default 5. */
  topK?: number
  /**
   * The searching session: it sees documents without a scope and its own. Without it only
   * documents without a scope are visible.
   */
  session?: string
  /** Every document, whatever its scope (administration, not agents). */
  allSessions?: boolean
  /** Overrides `fusion.alpha`: 0 = BM25 only, 1 = vectors only. */
  alpha?: number
  /** Overrides `queryExpansion`. */
  expand?: boolean
  signal?: AbortSignal
}

export interface MemoryStats {
  path: string
  documents: number
  /** Documents with a session scope, and how many sessions they belong to. */
  scopedDocuments: number
  sessions: number
  embedder: string
  dimension: number | undefined
  vectorIndex: string
  bm25: { terms: number; avgdl: number }
  snapshotBytes: number
  logBytes: number
  /** WebAssembly memory of the ranking core: the BM25 index, and the vectors with the `wasm` index. */
  rankingCoreBytes: number
  /** Things the user should know (e.g. FAISS unavailable, fell back to the WASM index). */
  notices: string[]
}
