import type { VectorCore } from '../core/ranking-core.js'
import type { KeyFilter, ScoredKey, VectorIndex } from '../contract.js'

/** The exact SIMD scan of the WebAssembly core: no training, no approximation, deletes in place. */
export class WasmVectorIndex implements VectorIndex {
  readonly description = 'wasm flat (exact SIMD scan)'

  constructor(private readonly vectors: VectorCore<number>) {}

  get size(): number {
    return this.vectors.size
  }

  add(keys: readonly number[], vectors: Float32Array): void {
    if (keys.length === 0) return
    const dim = vectors.length / keys.length
    keys.forEach((key, i) => this.vectors.add(key, vectors.subarray(i * dim, (i + 1) * dim)))
  }

  vectorOf(key: number): Float32Array | undefined {
    return this.vectors.get(key)
  }

  remove(keys: readonly number[]): void {
    for (const key of keys) this.vectors.remove(key)
  }

  search(query: Float32Array, k: number, filter?: KeyFilter): ScoredKey[] {
    // The core marks allowed rows in a bitmap: from the ids when they are few, else by asking for each row.
    const allowed = filter === undefined ? undefined : filter.size * 2 < this.vectors.size ? filter.keys() : (key: number) => filter.has(key)
    return this.vectors.search(query, k, allowed).map(({ id, score }) => ({ key: id, score }))
  }
}
