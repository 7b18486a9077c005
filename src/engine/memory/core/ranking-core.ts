// The WebAssembly ranking core: loader and TypeScript wrapper.
//
// The module is compiled at build time from assembly/ranking.as by `node scripts/build-wasm.mjs`
// into dist/wasm/ranking.wasm. findRankingWasm() looks for it by walking up from this file, so
// it is found from src/engine/memory/core (tsx), from dist/engine/memory/core (tsc output) and
// from dist/bundle (esbuild chunks); AGENTOR_RANKING_WASM overrides the path.
//
// Every loadRankingCore() call instantiates a fresh module (its own linear memory) holding one
// BM25 index and one vector index; the compiled WebAssembly.Module is cached per path.
//
// Memory growth detaches ArrayBuffer views: this wrapper never keeps a view across a call into
// the module, it makes a new one from `memory.buffer` each time.
import { existsSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export type DocId = string | number

export interface ScoredId<Id = DocId> {
  id: Id
  score: number
}

export type Bm25Mode = 'standard' | 'wink'

export interface Bm25Params {
  /** Term-frequency saturation; default 1.2. */
  k1?: number
  /** Length normalisation; default 0.75. */
  b?: number
  /**
   * 'standard' (default): idf = ln((N − df + 0.5)/(df + 0.5) + 1); a repeated query term counts
   * once. 'wink': bit-for-bit wink-bm25-text-search 3.x (single field of weight 1) — each
   * (doc, term) contribution is rounded to 4 decimals as its consolidate() does, and every
   * occurrence of a query term adds its contribution again.
   */
  mode?: Bm25Mode
}

export interface RankingCoreOptions extends Bm25Params {
  /** Vector dimension; by default taken from the first vector added. */
  dim?: number
  /** Path of ranking.wasm; default: AGENTOR_RANKING_WASM, else found by findRankingWasm(). */
  wasmPath?: string
}

export interface Bm25Stats {
  /** Live documents (N). */
  docs: number
  /** Sum of the live documents' lengths. */
  totalLength: number
  /** totalLength / docs (0 when empty). */
  avgdl: number
  /** Slots handed out, live and dead (dead ones are reclaimed by compact()). */
  slots: number
  deadSlots: number
}

export type VectorFilter<Id> = Iterable<Id> | ((id: Id) => boolean)

export interface FuseOptions {
  /** Weight of the first (vector) list, clamped to [0, 1]; default 0.5. */
  alpha?: number
  /** RRF constant; default 60. */
  k?: number
  /** Rank given to an id missing from one list; default 1000 (SPEC §12). */
  missingRank?: number
  /** How many to return; default: all ids of both lists. */
  topK?: number
}

interface RawExports {
  memory: WebAssembly.Memory
  scratch(bytes: number): number
  resultIds(): number
  resultScores(): number
  topK(ptr: number, n: number, k: number, isF32: number): number
  bm25SetParams(k1: number, b: number, mode: number): void
  bm25Add(ptr: number, n: number): number
  bm25Remove(slot: number): number
  bm25Vacuum(): void
  bm25Search(ptr: number, n: number, k: number): number
  bm25Live(): number
  bm25TotalLen(): number
  bm25Slots(): number
  bm25DeadSlots(): number
  bm25Df(termId: number): number
  bm25PostingEntries(termId: number): number
  bm25SlotAlive(slot: number): number
  bm25SlotLength(slot: number): number
  vecInit(dim: number): number
  vecSet(row: number, src: number): void
  vecAdd(src: number): number
  vecRemove(row: number): number
  vecRow(row: number): number
  vecFilter(): number
  vecSearch(src: number, k: number, useFilter: number, simd: number): number
  vecSearchBounded(src: number, k: number, useFilter: number): number
  vecLive(): number
  vecRows(): number
  vecDim(): number
  fuse(aPtr: number, aLen: number, bPtr: number, bLen: number, nUnion: number, alpha: number, rrfK: number, missing: number, k: number): number
}

const WASM_FILE = 'ranking.wasm'
/** Term ids must be dense small integers (a vocabulary's insertion index). */
const MAX_TERM_ID = 0x0fffffff

/** Where ranking.wasm is: AGENTOR_RANKING_WASM, else the nearest `wasm/` or `dist/wasm/` upwards. */
export function findRankingWasm(from: string = import.meta.url): string | undefined {
  const override = process.env.AGENTOR_RANKING_WASM
  if (override) return override
  let dir = path.dirname(from.startsWith('file:') ? fileURLToPath(from) : from)
  for (let depth = 0; depth < 8; depth++) {
    for (const candidate of [path.join(dir, 'wasm', WASM_FILE), path.join(dir, 'dist', 'wasm', WASM_FILE)]) {
      if (existsSync(candidate)) return candidate
    }
    const parent = path.dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return undefined
}

function resolveWasmPath(wasmPath: string | undefined): string {
  const found = wasmPath ?? findRankingWasm()
  if (!found) {
    throw new Error(`agentor: ${WASM_FILE} not found (looked for dist/wasm/${WASM_FILE} above ${path.dirname(fileURLToPath(import.meta.url))}); build it with \`node scripts/build-wasm.mjs\` or set AGENTOR_RANKING_WASM`)
  }
  return found
}

const modules = new Map<string, Promise<WebAssembly.Module> | WebAssembly.Module>()

/** Loads (once per path) and instantiates the core. */
export async function loadRankingCore<Id extends DocId = DocId>(options: RankingCoreOptions = {}): Promise<RankingCore<Id>> {
  const file = resolveWasmPath(options.wasmPath)
  let mod = modules.get(file)
  if (!mod) {
    const compiling = readFile(file).then((bytes) => WebAssembly.compile(bytes))
    modules.set(file, compiling)
    compiling.catch(() => modules.delete(file))
    mod = compiling
  }
  const compiled = await mod
  const imports = importsFor()
  return new RankingCore<Id>(attach(await WebAssembly.instantiate(compiled, imports), imports), options)
}

/** Synchronous variant of loadRankingCore (compiles with `new WebAssembly.Module`). */
export function loadRankingCoreSync<Id extends DocId = DocId>(options: RankingCoreOptions = {}): RankingCore<Id> {
  const file = resolveWasmPath(options.wasmPath)
  let mod = modules.get(file)
  if (!(mod instanceof WebAssembly.Module)) {
    mod = new WebAssembly.Module(readFileSync(file))
    modules.set(file, mod)
  }
  const imports = importsFor()
  return new RankingCore<Id>(attach(new WebAssembly.Instance(mod, imports), imports), options)
}

interface ImportHolder extends WebAssembly.Imports {
  env: { abort(msg: number, file: number, line: number, col: number): never; hostLog(x: number): number; memory?: WebAssembly.Memory }
}

function importsFor(): ImportHolder {
  const holder: ImportHolder = {
    env: {
      abort(msg, file, line, col) {
        const mem = holder.env.memory
        throw new Error(`ranking core aborted: ${mem ? readAsString(mem, msg) : msg} (${mem ? readAsString(mem, file) : file}:${line}:${col})`)
      },
      hostLog: Math.log,
    },
  }
  return holder
}

function attach(instance: WebAssembly.Instance, imports: ImportHolder): WebAssembly.Instance {
  imports.env.memory = instance.exports.memory as WebAssembly.Memory
  return instance
}

/** The exports that return an address (a usize): wasm32 hands it to JS as an i32, negative from 2 GiB up. */
const ADDRESS_EXPORTS = ['scratch', 'resultIds', 'resultScores', 'vecRow', 'vecFilter'] as const

function withUnsignedAddresses(exports: RawExports): RawExports {
  const raw = { ...exports }
  for (const name of ADDRESS_EXPORTS) {
    const address = exports[name] as (...args: number[]) => number
    raw[name] = (...args: number[]) => address(...args) >>> 0
  }
  return raw
}

function readAsString(memory: WebAssembly.Memory, address: number): string {
  const ptr = address >>> 0
  if (!ptr) return ''
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0]!
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1))
}

function checkDocId(id: DocId): void {
  if (typeof id !== 'string' && typeof id !== 'number') throw new TypeError(`document id must be a string or a number, got ${typeof id}`)
}

/** One module instance: `bm25`, `vectors`, `fuse`, `topK`. */
export class RankingCore<Id extends DocId = DocId> {
  readonly bm25: Bm25Core<Id>
  readonly vectors: VectorCore<Id>
  /** The raw exports, for measurements and tests. */
  readonly raw: RawExports

  constructor(instance: WebAssembly.Instance, options: RankingCoreOptions = {}) {
    this.raw = withUnsignedAddresses(instance.exports as unknown as RawExports)
    this.bm25 = new Bm25Core<Id>(this.raw, options)
    this.vectors = new VectorCore<Id>(this.raw, options.dim)
  }

  /** Bytes of linear memory in use by this instance. */
  memoryBytes(): number {
    return this.raw.memory.buffer.byteLength
  }

  /**
   * Reciprocal-rank fusion of two ranked lists (best first; ranks are 1-based):
   * score = alpha/(k + rankA) + (1 − alpha)/(k + rankB), an id missing from a list ranking
   * `missingRank` there. Ties keep first appearance (list A, then list B).
   */
  fuse(listA: readonly Id[], listB: readonly Id[], options: FuseOptions = {}): ScoredId<Id>[] {
    const alpha = Math.min(1, Math.max(0, options.alpha ?? 0.5))
    const k = options.k ?? 60
    const missing = options.missingRank ?? 1000
    const dense = new Map<Id, number>()
    const ids: Id[] = []
    const denseOf = (id: Id): number => {
      let d = dense.get(id)
      if (d === undefined) {
        d = ids.length
        dense.set(id, d)
        ids.push(id)
      }
      return d
    }
    const a = listA.map(denseOf)
    const b = listB.map(denseOf)
    const topK = Math.min(options.topK ?? ids.length, ids.length)
    if (topK <= 0) return []
    const x = this.raw
    const ptr = x.scratch((a.length + b.length) * 4)
    const view = new Uint32Array(x.memory.buffer, ptr, a.length + b.length)
    view.set(a)
    view.set(b, a.length)
    const n = x.fuse(ptr, a.length, ptr + a.length * 4, b.length, ids.length, alpha, k, missing, topK)
    return readResults(x, n, (d) => ids[d]!)
  }

  /** Indices of the k largest scores, best first (ties: smaller index first). */
  topK(scores: Float32Array | Float64Array, k: number): ScoredId<number>[] {
    const x = this.raw
    const n = scores.length
    if (n === 0 || k <= 0) return []
    const isF32 = scores instanceof Float32Array
    const ptr = x.scratch(n * (isF32 ? 4 : 8))
    if (isF32) new Float32Array(x.memory.buffer, ptr, n).set(scores)
    else new Float64Array(x.memory.buffer, ptr, n).set(scores)
    const count = x.topK(ptr, n, Math.min(k, n), isF32 ? 1 : 0)
    return readResults(x, count, (i) => i)
  }
}

function readResults<T>(x: RawExports, n: number, map: (internal: number) => T): ScoredId<T>[] {
  if (n <= 0) return []
  const buffer = x.memory.buffer
  const ids = new Uint32Array(buffer, x.resultIds(), n)
  const scores = new Float64Array(buffer, x.resultScores(), n)
  const out: ScoredId<T>[] = new Array(n)
  for (let i = 0; i < n; i++) out[i] = { id: map(ids[i]!), score: scores[i]! }
  return out
}

/** BM25 over an incremental inverted index held in WebAssembly memory. */
export class Bm25Core<Id extends DocId = DocId> {
  private readonly slotOf = new Map<Id, number>()
  private idOf: (Id | undefined)[] = []
  private params: Required<Bm25Params>

  constructor(private readonly x: RawExports, params: Bm25Params = {}) {
    this.params = { k1: 1.2, b: 0.75, mode: 'standard' }
    this.setParams(params)
  }

  setParams(params: Bm25Params): void {
    const next = { ...this.params, ...Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)) } as Required<Bm25Params>
    if (!(next.k1 >= 0) || !(next.b >= 0 && next.b <= 1)) throw new RangeError(`invalid BM25 parameters k1=${next.k1} b=${next.b}`)
    if (next.mode !== 'standard' && next.mode !== 'wink') throw new RangeError(`unknown BM25 mode ${String(next.mode)}`)
    this.params = next
    this.x.bm25SetParams(next.k1, next.b, next.mode === 'wink' ? 1 : 0)
  }

  getParams(): Required<Bm25Params> {
    return { ...this.params }
  }

  /** Live documents. */
  get size(): number {
    return this.slotOf.size
  }

  has(id: Id): boolean {
    return this.slotOf.has(id)
  }

  /**
   * Indexes a document from its tokens' term ids, in order, repeats included (the document
   * length is termIds.length). Adding an id that is already indexed replaces that document.
   */
  add(id: Id, termIds: ArrayLike<number>): void {
    checkDocId(id)
    if (this.slotOf.has(id)) this.remove(id)
    const n = termIds.length
    const x = this.x
    const ptr = x.scratch(n * 4)
    const view = new Uint32Array(x.memory.buffer, ptr, n)
    for (let i = 0; i < n; i++) {
      const t = termIds[i]!
      if (!Number.isInteger(t) || t < 0 || t > MAX_TERM_ID) throw new RangeError(`term id must be an integer in [0, ${MAX_TERM_ID}], got ${t}`)
      view[i] = t
    }
    const slot = x.bm25Add(ptr, n)
    this.slotOf.set(id, slot)
    this.idOf[slot] = id
  }

  /** Removes a document; false when it is not indexed. */
  remove(id: Id): boolean {
    const slot = this.slotOf.get(id)
    if (slot === undefined) return false
    this.x.bm25Remove(slot)
    this.slotOf.delete(id)
    this.idOf[slot] = undefined
    const dead = this.x.bm25DeadSlots()
    if (dead >= 4096 && dead > this.x.bm25Live()) this.compact()
    return true
  }

  /** Drops every tombstone and renumbers the slots (done automatically once most slots are dead). */
  compact(): void {
    if (this.x.bm25DeadSlots() === 0) return
    this.x.bm25Vacuum()
    const idOf: Id[] = []
    for (const id of this.idOf) {
      if (id === undefined) continue
      this.slotOf.set(id, idOf.length)
      idOf.push(id)
    }
    this.idOf = idOf
  }

  /**
   * The k best documents for the query's term ids (unknown ids simply match nothing), best first;
   * ties go to the earlier-added document. Empty index or query → [].
   */
  search(queryTermIds: ArrayLike<number>, k = 10): ScoredId<Id>[] {
    const n = queryTermIds.length
    if (n === 0 || k <= 0 || this.slotOf.size === 0) return []
    const x = this.x
    const ptr = x.scratch(n * 4)
    const view = new Uint32Array(x.memory.buffer, ptr, n)
    let valid = 0
    for (let i = 0; i < n; i++) {
      const t = queryTermIds[i]!
      if (Number.isInteger(t) && t >= 0 && t <= MAX_TERM_ID) view[valid++] = t
    }
    const count = x.bm25Search(ptr, valid, Math.floor(k))
    return readResults(x, count, (slot) => this.idOf[slot]!)
  }

  /** Live documents containing the term. */
  df(termId: number): number {
    return this.x.bm25Df(termId)
  }

  /** Indexed length of a document (its token count), or undefined. */
  length(id: Id): number | undefined {
    const slot = this.slotOf.get(id)
    return slot === undefined ? undefined : this.x.bm25SlotLength(slot)
  }

  stats(): Bm25Stats {
    const docs = this.x.bm25Live()
    const totalLength = this.x.bm25TotalLen()
    return { docs, totalLength, avgdl: docs ? totalLength / docs : 0, slots: this.x.bm25Slots(), deadSlots: this.x.bm25DeadSlots() }
  }
}

/** Exact dot-product search over Float32 rows held in WebAssembly memory (v128 SIMD). */
export class VectorCore<Id extends DocId = DocId> {
  private readonly rowOf = new Map<Id, number>()
  private readonly idOf: (Id | undefined)[] = []
  private dimension = 0

  constructor(private readonly x: RawExports, dim?: number) {
    if (dim !== undefined) this.setDim(dim)
  }

  private setDim(dim: number): void {
    if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`vector dimension must be a positive integer, got ${dim}`)
    if (!this.x.vecInit(dim)) throw new RangeError(`vector dimension is ${this.dimension}, got ${dim}`)
    this.dimension = dim
  }

  /** The dimension (0 until set by the options or the first vector). */
  get dim(): number {
    return this.dimension
  }

  get size(): number {
    return this.rowOf.size
  }

  has(id: Id): boolean {
    return this.rowOf.has(id)
  }

  /** Stores a vector (L2-normalised, so dot = cosine); an existing id is overwritten in place. */
  add(id: Id, vector: ArrayLike<number>): void {
    checkDocId(id)
    if (this.dimension === 0) this.setDim(vector.length)
    if (vector.length !== this.dimension) throw new RangeError(`vector length ${vector.length} differs from the index dimension ${this.dimension}`)
    const ptr = this.copyIn(vector)
    const existing = this.rowOf.get(id)
    if (existing !== undefined) {
      this.x.vecSet(existing, ptr)
      return
    }
    const row = this.x.vecAdd(ptr)
    this.rowOf.set(id, row)
    this.idOf[row] = id
  }

  /** A copy of the id's vector, or undefined. */
  get(id: Id): Float32Array | undefined {
    const row = this.rowOf.get(id)
    const ptr = row === undefined ? 0 : this.x.vecRow(row)
    return ptr === 0 ? undefined : new Float32Array(this.x.memory.buffer, ptr, this.dimension).slice()
  }

  remove(id: Id): boolean {
    const row = this.rowOf.get(id)
    if (row === undefined) return false
    this.x.vecRemove(row)
    this.rowOf.delete(id)
    this.idOf[row] = undefined
    return true
  }

  /**
   * The k rows with the largest dot product with `query`, best first (ties: lower row). `filter`
   * restricts the scan to the given ids, or to the ids a predicate accepts. Exact: it scans the
   * rows' int8 copies and scores exactly every row whose error bound leaves it a chance.
   */
  search(query: ArrayLike<number>, k = 10, filter?: VectorFilter<Id>): ScoredId<Id>[] {
    return this.scan(query, k, filter, 'bounded')
  }

  /** The same search scoring every row in f32 SIMD (for measurement and as the reference). */
  searchExhaustive(query: ArrayLike<number>, k = 10, filter?: VectorFilter<Id>): ScoredId<Id>[] {
    return this.scan(query, k, filter, 'simd')
  }

  /** The same search with a scalar loop instead of SIMD (for measurement). */
  searchScalar(query: ArrayLike<number>, k = 10, filter?: VectorFilter<Id>): ScoredId<Id>[] {
    return this.scan(query, k, filter, 'scalar')
  }

  private scan(query: ArrayLike<number>, k: number, filter: VectorFilter<Id> | undefined, kernel: 'bounded' | 'simd' | 'scalar'): ScoredId<Id>[] {
    if (query.length === 0) throw new RangeError('empty query vector')
    if (this.rowOf.size === 0 || k <= 0) return []
    if (query.length !== this.dimension) throw new RangeError(`query length ${query.length} differs from the index dimension ${this.dimension}`)
    const x = this.x
    let useFilter = 0
    if (filter !== undefined) {
      if (typeof filter === 'string') throw new TypeError('vector filter must be an iterable of ids or a predicate, not a string')
      useFilter = 1
      const bits = x.vecFilter()
      const words = new Uint32Array(x.memory.buffer, bits, (x.vecRows() + 31) >>> 5)
      if (typeof filter === 'function') {
        const rows = x.vecRows()
        for (let row = 0; row < rows; row++) {
          const id = this.idOf[row]
          if (id !== undefined && filter(id)) words[row >>> 5]! |= 1 << (row & 31)
        }
      } else {
        for (const id of filter) {
          const row = this.rowOf.get(id)
          if (row !== undefined) words[row >>> 5]! |= 1 << (row & 31)
        }
      }
    }
    const ptr = this.copyIn(query)
    const n = kernel === 'bounded' ? x.vecSearchBounded(ptr, Math.floor(k), useFilter) : x.vecSearch(ptr, Math.floor(k), useFilter, kernel === 'simd' ? 1 : 0)
    return readResults(x, n, (row) => this.idOf[row]!)
  }

  private copyIn(vector: ArrayLike<number>): number {
    const x = this.x
    const ptr = x.scratch(vector.length * 4)
    const view = new Float32Array(x.memory.buffer, ptr, vector.length)
    view.set(vector)
    return ptr
  }
}
