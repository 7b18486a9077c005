// A FAISS index (faiss-node, see faiss-binding.ts) built from the manifest's factory string, with
// inner product over L2-normalised vectors (= cosine).
//
// Ids: the factory is wrapped as `IDMap2,<factory>` (unless it names an IDMap itself), so FAISS
// labels are the store's document keys and a delete never renumbers other vectors.
// Deletes: Flat and IVF remove in place. HNSW cannot remove (FAISS throws): deleted keys become
// tombstones, filtered out of results (searches ask for that many more), and the index is rebuilt
// from the stored vectors once tombstones exceed a quarter of it.
// Training: an IVF index needs ≥ 39 × nlist vectors to train well; until the store holds that
// many, vectors wait untrained and searches scan the stored vectors exactly. Training is retried
// at each doubling if FAISS refuses.
// Filters (a session's view): a selective filter (≤ 4096 keys or ≤ 1/8 of the index) is served by
// an exact scan of just those stored vectors; otherwise FAISS is asked for proportionally more
// results, doubling until enough pass the filter or the whole index has been returned.
import type { KeyFilter, NativeIndexFile, ScoredKey, VectorIndex } from '../contract.js'
import { FaissMetric, type FaissIndex, type FaissModule } from './faiss-binding.js'

export interface FaissIndexOptions {
  faiss: FaissModule
  dimension: number
  /** The manifest's `vector.factory`, e.g. `Flat`, `HNSW32,Flat`, `IVF1024,Flat`. */
  factory: string
  efSearch: number
  nprobe: number
  /** A key's stored vector: for exact scans, training and rebuilds. */
  vectorOf(key: number): Float32Array | undefined
}

const EXACT_SCAN_KEYS = 4096
const EXACT_SCAN_FRACTION = 1 / 8
const TRAIN_POINTS_PER_LIST = 39
const MIN_TRAIN_POINTS = 256

export class FaissVectorIndex implements VectorIndex {
  readonly description: string
  private index: FaissIndex
  private readonly live = new Set<number>()
  private readonly tombstones = new Set<number>()
  /** Keys waiting for the index to be trained. */
  private readonly pending = new Set<number>()
  private trainAt: number
  private canRemove = true

  private constructor(private readonly options: FaissIndexOptions, index?: FaissIndex) {
    this.description = `faiss ${wrappedFactory(options.factory)}`
    this.index = index ?? this.fresh()
    this.applySearchParameters()
    const nlist = /IVF(\d+)/.exec(options.factory)?.[1]
    this.trainAt = Math.max(MIN_TRAIN_POINTS, nlist ? TRAIN_POINTS_PER_LIST * Number(nlist) : 0)
  }

  static create(options: FaissIndexOptions): FaissVectorIndex {
    return new FaissVectorIndex(options)
  }

  /**
   * Reads an index written by `save`, holding `keys` (and the saved tombstones); undefined when
   * the file does not match (another factory or dimension, other counts) and must be rebuilt.
   */
  static read(options: FaissIndexOptions, saved: NativeIndexFile, path: string, keys: Iterable<number>): FaissVectorIndex | undefined {
    if (saved.description !== `faiss ${wrappedFactory(options.factory)}`) return undefined
    const index = options.faiss.Index.read(path)
    const live = new Set(keys)
    if (index.getDimension() !== options.dimension || index.ntotal() !== saved.ntotal || saved.ntotal !== live.size + saved.tombstones.length || !index.isTrained()) return undefined
    const restored = new FaissVectorIndex(options, index)
    for (const key of live) restored.live.add(key)
    for (const key of saved.tombstones) restored.tombstones.add(key)
    if (saved.tombstones.length > 0) restored.canRemove = false
    return restored
  }

  get size(): number {
    return this.live.size
  }

  add(keys: readonly number[], vectors: Float32Array): void {
    const existing = keys.filter((key) => this.live.has(key))
    if (existing.length > 0) this.remove(existing)
    for (const key of keys) this.live.add(key)
    if (this.index.isTrained()) {
      this.index.addWithIds(vectors, Float64Array.from(keys))
      return
    }
    for (const key of keys) this.pending.add(key)
    if (this.pending.size >= this.trainAt) this.train()
  }

  remove(keys: readonly number[]): void {
    const present = keys.filter((key) => this.live.delete(key))
    const indexed = present.filter((key) => !this.pending.delete(key))
    if (indexed.length === 0) return
    if (this.canRemove) {
      try {
        this.index.removeIds(Float64Array.from(indexed))
        return
      } catch (error) {
        if (!/not implemented/.test(String(error))) throw error
        this.canRemove = false
      }
    }
    for (const key of indexed) this.tombstones.add(key)
    if (this.tombstones.size > Math.max(1000, this.index.ntotal() / 4)) this.rebuild()
  }

  search(query: Float32Array, k: number, filter?: KeyFilter): ScoredKey[] {
    if (k <= 0 || this.live.size === 0) return []
    if (this.pending.size > 0) return this.exactScan(query, k, filter ? filter.keys() : this.live)
    if (filter && (filter.size <= EXACT_SCAN_KEYS || filter.size <= this.live.size * EXACT_SCAN_FRACTION)) return this.exactScan(query, k, filter.keys())
    const ntotal = this.index.ntotal()
    const share = filter ? Math.min(1, filter.size / this.live.size) : 1
    let ask = Math.min(ntotal, Math.ceil((k * 1.5) / Math.max(share, 1e-9)) + this.tombstones.size)
    for (;;) {
      const { distances, labels } = this.index.search(query, ask)
      const hits: ScoredKey[] = []
      for (let i = 0; i < labels.length && hits.length < k; i++) {
        const key = labels[i]!
        if (key < 0 || this.tombstones.has(key) || (filter && !filter.has(key))) continue
        hits.push({ key, score: distances[i]! })
      }
      if (hits.length >= k || ask >= ntotal) return hits
      ask = Math.min(ntotal, ask * 2)
    }
  }

  save(file: string): NativeIndexFile | undefined {
    // Untrained vectors exist only in the store, not in the index file.
    if (this.pending.size > 0) return undefined
    this.index.write(file)
    return { file, description: this.description, ntotal: this.index.ntotal(), tombstones: [...this.tombstones] }
  }

  private fresh(): FaissIndex {
    const { faiss, dimension, factory } = this.options
    return faiss.Index.fromFactory(dimension, wrappedFactory(factory), FaissMetric.INNER_PRODUCT)
  }

  private applySearchParameters(): void {
    if (/HNSW/.test(this.options.factory)) this.index.setSearchParameter('efSearch', this.options.efSearch)
    if (/IVF/.test(this.options.factory)) this.index.setSearchParameter('nprobe', this.options.nprobe)
  }

  private gather(keys: readonly number[]): Float32Array {
    const dim = this.options.dimension
    const rows = new Float32Array(keys.length * dim)
    keys.forEach((key, i) => rows.set(this.options.vectorOf(key)!, i * dim))
    return rows
  }

  private train(): void {
    const keys = [...this.pending]
    const rows = this.gather(keys)
    try {
      this.index.train(rows)
    } catch {
      this.trainAt = keys.length * 2
      return
    }
    this.index.addWithIds(rows, Float64Array.from(keys))
    this.pending.clear()
  }

  private rebuild(): void {
    this.index = this.fresh()
    this.applySearchParameters()
    this.tombstones.clear()
    this.pending.clear()
    const keys = [...this.live]
    if (this.index.isTrained()) {
      this.index.addWithIds(this.gather(keys), Float64Array.from(keys))
      return
    }
    for (const key of keys) this.pending.add(key)
    this.train()
  }

  private exactScan(query: Float32Array, k: number, keys: Iterable<number>): ScoredKey[] {
    const hits: ScoredKey[] = []
    for (const key of keys) {
      if (!this.live.has(key)) continue
      const vector = this.options.vectorOf(key)!
      let dot = 0
      for (let i = 0; i < vector.length; i++) dot += vector[i]! * query[i]!
      hits.push({ key, score: dot })
    }
    return hits.sort((a, b) => b.score - a.score || a.key - b.key).slice(0, k)
  }
}

/** The factory string with an ID map in front, so that labels are the store's keys. */
export function wrappedFactory(factory: string): string {
  return /^IDMap2?,/.test(factory) ? factory : `IDMap2,${factory}`
}
