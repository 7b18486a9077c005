import { AgentorError } from '../../errors.js'
import type { RankingCore } from '../core/ranking-core.js'
import type { MemoryConfig, NativeIndexFile, VectorIndex } from '../contract.js'
import { loadFaiss } from './faiss-binding.js'
import { FaissVectorIndex, type FaissIndexOptions } from './faiss-index.js'
import { WasmVectorIndex } from './wasm-index.js'

export interface VectorIndexSetup {
  config: MemoryConfig['vector']
  dimension: number
  /** Its vector index serves `wasm` (and `faiss` when FAISS cannot be loaded). */
  core: RankingCore<number>
  vectorOf(key: number): Float32Array | undefined
  notice(message: string): void
}

/** The configured index, empty: FAISS when asked for and loadable, else the WASM scan (with a notice). */
export function createVectorIndex(setup: VectorIndexSetup): VectorIndex {
  const options = faissOptions(setup)
  if (!options) return new WasmVectorIndex(setup.core.vectors)
  try {
    return FaissVectorIndex.create(options)
  } catch (error) {
    throw new AgentorError('E_MEMORY_CONFIG', `memory.vector.factory '${options.factory}' does not make a FAISS index: ${error instanceof Error ? error.message : String(error)}`, 'use a FAISS index factory string such as Flat, HNSW32,Flat or IVF1024,Flat')
  }
}

/**
 * The FAISS index saved at `path` when it is usable for the configuration and holds exactly `keys`;
 * undefined otherwise (the caller builds a new index from the stored vectors), with a notice when
 * FAISS is in use.
 */
export function readVectorIndex(setup: VectorIndexSetup, saved: NativeIndexFile, path: string, keys: Iterable<number>): VectorIndex | undefined {
  const options = faissOptions(setup, true)
  if (!options) return undefined
  let problem: string
  try {
    const index = FaissVectorIndex.read(options, saved, path, keys)
    if (index) return index
    problem = `it does not match the store or memory.vector (${saved.description}, ${saved.ntotal} vectors)`
  } catch (error) {
    problem = error instanceof Error ? error.message : String(error)
  }
  setup.notice(`memory: cannot use the saved FAISS index: ${problem}; rebuilding it from the stored vectors`)
  return undefined
}

function faissOptions(setup: VectorIndexSetup, quiet = false): FaissIndexOptions | undefined {
  if (setup.config.index !== 'faiss') return undefined
  const { faiss, reason } = loadFaiss()
  if (!faiss) {
    if (!quiet) setup.notice(`memory: FAISS is not available (${reason}); using the WebAssembly flat index (exact search)`)
    return undefined
  }
  const { factory, efSearch, efConstruction, nprobe, kFactor } = setup.config
  return { faiss, dimension: setup.dimension, factory, efSearch, efConstruction, nprobe, kFactor, vectorOf: setup.vectorOf }
}
