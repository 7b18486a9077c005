// The WebAssembly ranking core (BM25, exact SIMD vector scan, top-k, RRF) and its JS text prep.
export * from './ranking-core.js'
export * from './text-index.js'
export * from './text-prep.js'
