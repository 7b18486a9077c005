// Typed loader for the native FAISS addon (faiss-node, CommonJS, built by scripts/build-faiss.sh
// with agentor's patch in native/faiss-node/). `loadFaiss()` never throws: it returns the module,
// or `undefined` and a one-line reason the engine shows when it falls back to its WebAssembly
// index.
//
// The patched addon (see native/faiss-node/faiss-node.patch) adds to faiss-node 0.5.1:
//   - Float32Array input for add / addWithIds / train / search (read in place, no copy);
//   - search() on a Float32Array returns { distances: Float32Array, labels: Float64Array };
//   - addWithIds(x, ids), setSearchParameter(name, value) (efSearch, nprobe, ...);
//   - FAISS C++ exceptions surface as JS Errors instead of aborting the process.
//
// Which index supports what (FAISS 1.7.3, factory strings for Index.fromFactory):
//   | factory string          | add | addWithIds | removeIds            | search parameter |
//   | Flat                    | yes | no         | yes, but RENUMBERS*  | -                |
//   | IDMap,Flat / IDMap2,Flat| no  | yes        | yes                  | -                |
//   | HNSW32,Flat             | yes | no         | no (throws)          | efSearch         |
//   | IDMap,HNSW32,Flat       | no  | yes        | no (throws)          | efSearch         |
//   | IVF{n},Flat / IVF,PQ    | yes | yes        | yes                  | nprobe           |
//   | IDMap,IVF{n},Flat       | no  | yes        | yes                  | nprobe           |
//   | IDMap2,PQ{m}x4fs,Refine(SQfp16) | no | yes  | no (throws)          | k_factor_rf      |
//   * sequential ids of the later vectors shift down, so keep your own ids with IDMap2.
// A leading "IDMap2," wraps the whole rest (the patch's fromFactory; FAISS's own parser would put a
// ",RFlat" / ",Refine(…)" refinement outside the map, where add_with_ids is not implemented).
// "IDMap2" also keeps a reverse map (reconstruct by id); "IDMap" is enough to delete.
import { createRequire } from 'node:module'

/** FAISS metric ids (faiss/MetricType.h); pass to `Index.fromFactory`. */
export const FaissMetric = { INNER_PRODUCT: 0, L2: 1 } as const
export type FaissMetricType = (typeof FaissMetric)[keyof typeof FaissMetric]

/** Vectors, n × d floats, row-major. A Float32Array is read in place; an Array is converted. */
export type FaissVectors = Float32Array | readonly number[]
/**
 * Vector ids: integers in [0, 2^53 − 1] (removeIds also accepts negatives, which match nothing).
 * Labels returned by `search` are Float64Array, so they can be passed straight back.
 */
export type FaissIds = readonly number[] | Float64Array | BigInt64Array

/** Result of `search` on a Float32Array: n × k rows, best first; label −1 = no result. */
export interface FaissTypedSearchResult {
  distances: Float32Array
  labels: Float64Array
}
/** Result of `search` on a plain Array (faiss-node's original form). */
export interface FaissArraySearchResult {
  distances: number[]
  labels: number[]
}

export interface FaissIndex {
  /** Number of vectors in the index. */
  ntotal(): number
  getDimension(): number
  /** False for IVF/PQ indexes until `train` is called. */
  isTrained(): boolean
  /** Adds vectors with sequential ids ntotal … ntotal + n − 1 (throws on IDMap indexes). */
  add(x: FaissVectors): void
  /** Adds vectors with the given ids, one per vector (IDMap/IDMap2 and IVF indexes only). */
  addWithIds(x: FaissVectors, ids: FaissIds): void
  train(x: FaissVectors): void
  /** k nearest neighbours of each of the n query rows; k must be ≤ ntotal(). */
  search(x: Float32Array, k: number): FaissTypedSearchResult
  search(x: readonly number[], k: number): FaissArraySearchResult
  /**
   * faiss::ParameterSpace().set_index_parameter: 'efSearch', 'efConstruction' (HNSW), 'nprobe' (IVF), 'k_factor_rf' (refinement), …; works
   * through IDMap wrappers. Throws when the index has no such parameter.
   */
  setSearchParameter(name: string, value: number): void
  /** Removes vectors by id; returns how many were removed. Throws on HNSW. */
  removeIds(ids: FaissIds): number
  /** Writes the index to a file (faiss::write_index). */
  write(path: string): void
  toBuffer(): Buffer
  /** Moves the other index's vectors into this one (same class and dimension). */
  mergeFrom(other: FaissIndex): void
}

export interface FaissIndexClass {
  new (d: number): FaissIndex
  read(path: string): FaissIndex
  fromBuffer(buffer: Buffer): FaissIndex
}

export interface FaissModule {
  /** Any FAISS index; `fromFactory(d, "HNSW32,Flat")`, `fromFactory(d, "IDMap2,Flat", FaissMetric.INNER_PRODUCT)`. */
  Index: FaissIndexClass & {
    fromFactory(d: number, description: string, metric?: FaissMetricType): FaissIndex
  }
  IndexFlatL2: FaissIndexClass
  IndexFlatIP: FaissIndexClass
}

export interface FaissLoadResult {
  faiss?: FaissModule
  /** Why `faiss` is undefined: one line, fit for a notice. */
  reason?: string
}

const BUILD_HINT = 'run `bash scripts/build-faiss.sh` to build it'
let cached: FaissLoadResult | undefined

/**
 * Loads faiss-node's native addon. Cached after the first call. Never throws.
 * `AGENTOR_FAISS=off` in the environment disables it (to exercise the WebAssembly fallback).
 * `options.moduleId` (default 'faiss-node') bypasses the cache; for tests.
 */
export function loadFaiss(options: { moduleId?: string } = {}): FaissLoadResult {
  if (options.moduleId === undefined && cached) return cached
  const result = tryLoad(options.moduleId ?? 'faiss-node')
  if (options.moduleId === undefined) cached = result
  return result
}

function tryLoad(moduleId: string): FaissLoadResult {
  const setting = process.env.AGENTOR_FAISS?.trim().toLowerCase()
  if (setting === 'off' || setting === '0' || setting === 'false') {
    return { reason: 'native FAISS disabled by AGENTOR_FAISS=off' }
  }
  // One query at a time gains nothing from OpenMP's thread team; with the default team a search
  // through an IDMap2 wrapper costs ~20 ms instead of ~0.5 ms. Read once, when libgomp loads.
  process.env.OMP_NUM_THREADS ??= '1'
  let mod: Partial<FaissModule>
  try {
    mod = createRequire(import.meta.url)(moduleId) as Partial<FaissModule>
  } catch (error) {
    return { reason: describeLoadError(moduleId, error) }
  }
  try {
    const Index = mod.Index
    if (typeof Index !== 'function' || typeof Index.fromFactory !== 'function') {
      return { reason: `${moduleId} loaded but exposes no Index class` }
    }
    const proto = (Index as unknown as { prototype: Partial<FaissIndex> }).prototype
    for (const method of ['setSearchParameter', 'addWithIds'] as const) {
      if (typeof proto[method] !== 'function') {
        return { reason: `${moduleId}'s native addon lacks agentor's patch (no ${method}): it is not the one scripts/build-faiss.sh builds; ${BUILD_HINT}` }
      }
    }
    // A minimal smoke test: a broken binary fails here rather than in the first query.
    const probe = Index.fromFactory(2, 'Flat')
    probe.add(new Float32Array([0, 0, 1, 1]))
    const { labels } = probe.search(new Float32Array([1, 1]), 1)
    if (!(labels instanceof Float64Array) || labels[0] !== 1) {
      return { reason: `${moduleId}'s native addon failed its self-test` }
    }
    return { faiss: mod as FaissModule }
  } catch (error) {
    return { reason: `${moduleId}'s native addon failed its self-test: ${firstLine(error)}` }
  }
}

function describeLoadError(moduleId: string, error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  const message = firstLine(error)
  if (code === 'MODULE_NOT_FOUND' && message.includes(`'${moduleId}'`)) {
    return `${moduleId} is not installed (npm ci)`
  }
  if (message.includes('Could not locate the bindings file')) {
    return `${moduleId}'s native addon is not built; ${BUILD_HINT}`
  }
  if (code === 'ERR_DLOPEN_FAILED' || /cannot open shared object|undefined symbol/.test(message)) {
    return `${moduleId}'s native addon does not load (${message}); ${BUILD_HINT}`
  }
  return `${moduleId} failed to load: ${message}`
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  return text.split('\n', 1)[0]!.trim()
}
