// agentor's WebAssembly ranking core, written in AssemblyScript.
//
// Compiled at build time by scripts/build-wasm.mjs (asc -O3 --enable simd --runtime minimal) into
// dist/wasm/ranking.wasm; loaded and wrapped by ../ranking-core.ts. The file is named `.as` rather
// than `.ts` so that the project's TypeScript build (`include: ["src"]`) leaves it alone; the build
// script feeds it to the AssemblyScript compiler as `ranking.ts`.
//
// Everything lives in unmanaged linear memory (heap.alloc / heap.realloc / heap.free over TLSF):
// no managed objects are created, so the garbage collector never runs. The JS side passes inputs
// through a scratch buffer (`scratch(bytes)` returns its address) and reads results from the
// top-k buffers (`resultIds()`, `resultScores()`). Any export may grow the memory, which detaches
// JS views of `memory.buffer`: the wrapper re-reads the buffer after every call.
//
// Three parts:
//  1. BM25 over an incremental inverted index. Documents live in dense "slots" assigned in insertion
//     order (never reused until `bm25Vacuum`, which renumbers the live slots in order). Each term id
//     (assigned by the JS vocabulary) has a growable postings array of (slot, tf) pairs; a removed
//     document's postings become tombstones (its slot is marked dead) that are compacted lazily, per
//     term, once half of a postings list is dead. A per-slot forward list of the document's distinct
//     term ids makes removal exact: N, df per term and the total length (so avgdl) are always exact.
//  2. An exact dot-product scan over a Float32 matrix (rows in chunks of 1024, padded to a multiple of
//     4 floats; deleted rows are masked and reused), with an optional row bitmap filter, in v128
//     f32x4 SIMD (and a scalar twin for measurement). Each row also has an int8 copy with a bound on
//     its rounding error, stored column by column: the default search reads only the columns of
//     the query's non-zero codes, keeps every row whose score could still reach the top k, and
//     scores only those exactly — same result as the full f32 scan (see vecSearchBounded).
//  3. Top-k selection (a bounded min-heap, ties broken by the smaller id) and reciprocal-rank fusion.

// JS's Math.log, so that idf is bit-for-bit the value a JS implementation (wink) computes.
@external("env", "hostLog")
declare function hostLog(x: f64): f64

// ---------------------------------------------------------------------------------------------
// Raw buffers

// For arrays read only below their length: the new tail is left as it is, since zeroing it would
// touch memory (a page fault per 4 KiB on this VM) that may never be used.
function resized(ptr: usize, newBytes: usize): usize {
  return ptr == 0 ? heap.alloc(newBytes) : heap.realloc(ptr, newBytes)
}

function growBuffer(ptr: usize, oldBytes: usize, newBytes: usize): usize {
  let p = resized(ptr, newBytes)
  if (newBytes > oldBytes) memory.fill(p + oldBytes, 0, newBytes - oldBytes)
  return p
}

// The scratch buffer through which JS passes arrays in. Never reallocated by any other export, so
// its content survives until the call that consumes it.
let scratchPtr: usize = 0
let scratchCap: usize = 0

export function scratch(bytes: usize): usize {
  if (bytes > scratchCap) {
    let cap: usize = max<usize>(bytes, max<usize>(scratchCap << 1, 4096))
    cap = (cap + 15) & ~<usize>15
    if (scratchPtr != 0) heap.free(scratchPtr)
    scratchPtr = heap.alloc(cap)
    scratchCap = cap
  }
  return scratchPtr
}

// ---------------------------------------------------------------------------------------------
// Top-k: a min-heap whose root is the worst kept entry. "Better" = higher score, then smaller id.

let hScore: usize = 0 // f64[hCap]
let hId: usize = 0 // u32[hCap]
let hCap: i32 = 0
let hSize: i32 = 0
let hK: i32 = 0

export function resultIds(): usize { return hId }
export function resultScores(): usize { return hScore }

function heapReset(k: i32): void {
  if (k > hCap) {
    let cap = max<i32>(k, 64)
    hScore = growBuffer(hScore, <usize>hCap << 3, <usize>cap << 3)
    hId = growBuffer(hId, <usize>hCap << 2, <usize>cap << 2)
    hCap = cap
  }
  hSize = 0
  hK = k
}

// true when (sa, ia) ranks below (sb, ib)
@inline function worse(sa: f64, ia: u32, sb: f64, ib: u32): bool {
  return sa < sb || (sa == sb && ia > ib)
}

function siftDown(start: i32, size: i32): void {
  let i = start
  let s = load<f64>(hScore + (<usize>i << 3))
  let id = load<u32>(hId + (<usize>i << 2))
  while (true) {
    let l = 2 * i + 1
    if (l >= size) break
    let c = l
    let cs = load<f64>(hScore + (<usize>l << 3))
    let cid = load<u32>(hId + (<usize>l << 2))
    let r = l + 1
    if (r < size) {
      let rs = load<f64>(hScore + (<usize>r << 3))
      let rid = load<u32>(hId + (<usize>r << 2))
      if (worse(rs, rid, cs, cid)) { c = r; cs = rs; cid = rid }
    }
    if (!worse(cs, cid, s, id)) break
    store<f64>(hScore + (<usize>i << 3), cs)
    store<u32>(hId + (<usize>i << 2), cid)
    i = c
  }
  store<f64>(hScore + (<usize>i << 3), s)
  store<u32>(hId + (<usize>i << 2), id)
}

function heapOffer(s: f64, id: u32): void {
  if (s != s) return // NaN never ranks
  if (hSize < hK) {
    let i = hSize++
    while (i > 0) {
      let p = (i - 1) >> 1
      let ps = load<f64>(hScore + (<usize>p << 3))
      let pid = load<u32>(hId + (<usize>p << 2))
      if (!worse(s, id, ps, pid)) break
      store<f64>(hScore + (<usize>i << 3), ps)
      store<u32>(hId + (<usize>i << 2), pid)
      i = p
    }
    store<f64>(hScore + (<usize>i << 3), s)
    store<u32>(hId + (<usize>i << 2), id)
  } else if (hK > 0 && worse(load<f64>(hScore), load<u32>(hId), s, id)) {
    store<f64>(hScore, s)
    store<u32>(hId, id)
    siftDown(0, hSize)
  }
}

// Heap-sorts in place (the worst goes to the end), leaving the result best-first; returns the count.
function heapFinish(): i32 {
  let n = hSize
  for (let end = n - 1; end > 0; end--) {
    let s0 = load<f64>(hScore)
    let i0 = load<u32>(hId)
    store<f64>(hScore, load<f64>(hScore + (<usize>end << 3)))
    store<u32>(hId, load<u32>(hId + (<usize>end << 2)))
    store<f64>(hScore + (<usize>end << 3), s0)
    store<u32>(hId + (<usize>end << 2), i0)
    siftDown(0, end)
  }
  hSize = 0
  return n
}

// Top-k over a score array in scratch memory (f32 when isF32, else f64): indices and scores.
export function topK(ptr: usize, n: i32, k: i32, isF32: i32): i32 {
  if (k <= 0 || n <= 0) return 0
  heapReset(k)
  if (isF32) {
    for (let i = 0; i < n; i++) heapOffer(<f64>load<f32>(ptr + (<usize>i << 2)), <u32>i)
  } else {
    for (let i = 0; i < n; i++) heapOffer(load<f64>(ptr + (<usize>i << 3)), <u32>i)
  }
  return heapFinish()
}

// ---------------------------------------------------------------------------------------------
// BM25

let bK1: f64 = 1.2
let bB: f64 = 0.75
let bMode: i32 = 0 // 0: standard (query terms deduplicated); 1: wink-bm25-text-search parity

export function bm25SetParams(k1: f64, b: f64, mode: i32): void {
  bK1 = k1
  bB = b
  bMode = mode
}

// Per term id
let tCap: i32 = 0
let tPost: usize = 0 // usize[]: postings array, (slot u32, tf u32) pairs
let tLen: usize = 0 // u32[]: entries in the postings array, tombstones included
let tPCap: usize = 0 // u32[]: capacity of the postings array, in entries
let tDf: usize = 0 // u32[]: live documents containing the term
let tDead: usize = 0 // u32[]: tombstones in the postings array
let tMark: usize = 0 // u32[]: per-call scratch counter, all zero between calls

function ensureTerms(maxId: i32): void {
  if (maxId < tCap) return
  let cap = max<i32>(maxId + 1, max<i32>(tCap * 2, 1024))
  let ob = <usize>tCap << 2
  let nb = <usize>cap << 2
  tPost = growBuffer(tPost, ob, nb)
  tLen = growBuffer(tLen, ob, nb)
  tPCap = growBuffer(tPCap, ob, nb)
  tDf = growBuffer(tDf, ob, nb)
  tDead = growBuffer(tDead, ob, nb)
  tMark = growBuffer(tMark, ob, nb)
  tCap = cap
}

// Per slot
let sCap: i32 = 0
let sCount: i32 = 0 // slots handed out (live + dead)
let sDl: usize = 0 // u32[]: document length (token count)
let sAlive: usize = 0 // u8[]
let sFwdOff: usize = 0 // u32[]: offset of the document's distinct term ids in the forward arena
let sFwdLen: usize = 0 // u32[]
let sStamp: usize = 0 // u32[]: search epoch that last touched the slot
let sAcc: usize = 0 // f64[]: score accumulator (valid when the stamp is current)
let sTouched: usize = 0 // u32[]: slots touched by the current search

let fwd: usize = 0 // u32[]: forward arena
let fwdLen: usize = 0
let fwdCap: usize = 0

let live: i32 = 0
let totalLen: f64 = 0
let deadSlots: i32 = 0
let epoch: u32 = 0

function ensureSlots(n: i32): void {
  if (n <= sCap) return
  let cap = max<i32>(n, max<i32>(sCap * 2, 1024))
  let o = <usize>sCap
  let c = <usize>cap
  sDl = growBuffer(sDl, o << 2, c << 2)
  sAlive = growBuffer(sAlive, o, c)
  sFwdOff = growBuffer(sFwdOff, o << 2, c << 2)
  sFwdLen = growBuffer(sFwdLen, o << 2, c << 2)
  sStamp = growBuffer(sStamp, o << 2, c << 2)
  sAcc = growBuffer(sAcc, o << 3, c << 3)
  sTouched = growBuffer(sTouched, o << 2, c << 2)
  sCap = cap
}

function ensureFwd(n: usize): void {
  if (n <= fwdCap) return
  let cap = max<usize>(n, max<usize>(fwdCap << 1, 16384))
  fwd = resized(fwd, cap << 2)
  fwdCap = cap
}

function appendPosting(t: u32, slot: u32, tf: u32): void {
  let ta = <usize>t << 2
  let len = load<u32>(tLen + ta)
  let cap = load<u32>(tPCap + ta)
  let p = load<usize>(tPost + ta)
  if (len == cap) {
    let nc: u32 = cap == 0 ? 4 : cap << 1
    p = resized(p, <usize>nc << 3)
    store<usize>(tPost + ta, p)
    store<u32>(tPCap + ta, nc)
  }
  let e = p + (<usize>len << 3)
  store<u32>(e, slot)
  store<u32>(e, tf, 4)
  store<u32>(tLen + ta, len + 1)
}

// Drops the postings of dead slots (order kept); shrinks the array when mostly empty.
function compactTerm(t: u32): void {
  let ta = <usize>t << 2
  let p = load<usize>(tPost + ta)
  let len = load<u32>(tLen + ta)
  let w: u32 = 0
  for (let r: u32 = 0; r < len; r++) {
    let e = p + (<usize>r << 3)
    let slot = load<u32>(e)
    if (load<u8>(sAlive + <usize>slot) != 0) {
      if (w != r) store<u64>(p + (<usize>w << 3), load<u64>(e))
      w++
    }
  }
  store<u32>(tLen + ta, w)
  store<u32>(tDead + ta, 0)
  let cap = load<u32>(tPCap + ta)
  if (w == 0) {
    heap.free(p)
    store<usize>(tPost + ta, 0)
    store<u32>(tPCap + ta, 0)
  } else if (cap >= 64 && w < (cap >> 2)) {
    let nc = cap >> 1
    store<usize>(tPost + ta, heap.realloc(p, <usize>nc << 3))
    store<u32>(tPCap + ta, nc)
  }
}

// Adds a document given its token term ids (repeats included: dl = n). Returns its slot.
export function bm25Add(ptr: usize, n: i32): i32 {
  let maxT: i32 = -1
  for (let i = 0; i < n; i++) {
    let t = <i32>load<u32>(ptr + (<usize>i << 2))
    if (t > maxT) maxT = t
  }
  if (maxT >= 0) ensureTerms(maxT)
  ensureSlots(sCount + 1)
  ensureFwd(fwdLen + <usize>n)
  let slot = sCount++
  let off = fwdLen
  let u: usize = 0
  for (let i = 0; i < n; i++) {
    let t = load<u32>(ptr + (<usize>i << 2))
    let ma = tMark + (<usize>t << 2)
    let c = load<u32>(ma)
    if (c == 0) {
      store<u32>(fwd + ((off + u) << 2), t)
      u++
    }
    store<u32>(ma, c + 1)
  }
  for (let j: usize = 0; j < u; j++) {
    let t = load<u32>(fwd + ((off + j) << 2))
    let ma = tMark + (<usize>t << 2)
    appendPosting(t, <u32>slot, load<u32>(ma))
    store<u32>(ma, 0)
    let da = tDf + (<usize>t << 2)
    store<u32>(da, load<u32>(da) + 1)
  }
  fwdLen = off + u
  let sa = <usize>slot << 2
  store<u32>(sDl + sa, <u32>n)
  store<u8>(sAlive + <usize>slot, 1)
  store<u32>(sFwdOff + sa, <u32>off)
  store<u32>(sFwdLen + sa, <u32>u)
  live++
  totalLen += <f64>n
  return slot
}

// Removes the document in `slot`; returns 1, or 0 when the slot is not live.
export function bm25Remove(slot: i32): i32 {
  if (slot < 0 || slot >= sCount || load<u8>(sAlive + <usize>slot) == 0) return 0
  store<u8>(sAlive + <usize>slot, 0)
  let sa = <usize>slot << 2
  live--
  totalLen -= <f64>load<u32>(sDl + sa)
  deadSlots++
  let off = <usize>load<u32>(sFwdOff + sa)
  let u = <usize>load<u32>(sFwdLen + sa)
  for (let j: usize = 0; j < u; j++) {
    let t = load<u32>(fwd + ((off + j) << 2))
    let ta = <usize>t << 2
    let df = load<u32>(tDf + ta) - 1
    store<u32>(tDf + ta, df)
    let dead = load<u32>(tDead + ta) + 1
    if (df == 0) {
      let p = load<usize>(tPost + ta)
      if (p != 0) heap.free(p)
      store<usize>(tPost + ta, 0)
      store<u32>(tPCap + ta, 0)
      store<u32>(tLen + ta, 0)
      store<u32>(tDead + ta, 0)
    } else if (dead >= 8 && (dead << 1) >= load<u32>(tLen + ta)) {
      compactTerm(t)
    } else {
      store<u32>(tDead + ta, dead)
    }
  }
  if (live == 0) totalLen = 0 // no drift once empty
  return 1
}

// Renumbers the live slots 0..live-1 in their order, dropping every tombstone and the dead
// documents' forward lists. The JS side applies the same renumbering to its slot table.
export function bm25Vacuum(): void {
  if (deadSlots == 0) return
  // new slot of each old slot, reusing sStamp as the map (stamps are reset below)
  let next: u32 = 0
  for (let s = 0; s < sCount; s++) {
    let sa = <usize>s << 2
    if (load<u8>(sAlive + <usize>s) != 0) store<u32>(sStamp + sa, next++)
    else store<u32>(sStamp + sa, 0xFFFFFFFF)
  }
  for (let t = 0; t < tCap; t++) {
    let ta = <usize>t << 2
    let len = load<u32>(tLen + ta)
    if (len == 0) continue
    let p = load<usize>(tPost + ta)
    let w: u32 = 0
    for (let r: u32 = 0; r < len; r++) {
      let e = p + (<usize>r << 3)
      let ns = load<u32>(sStamp + (<usize>load<u32>(e) << 2))
      if (ns != 0xFFFFFFFF) {
        let d = p + (<usize>w << 3)
        store<u32>(d, ns)
        store<u32>(d, load<u32>(e, 4), 4)
        w++
      }
    }
    store<u32>(tLen + ta, w)
    store<u32>(tDead + ta, 0)
  }
  // compact the per-slot arrays and the forward arena (everything only moves left)
  let w: usize = 0
  let fw: usize = 0
  for (let s = 0; s < sCount; s++) {
    if (load<u8>(sAlive + <usize>s) == 0) continue
    let sa = <usize>s << 2
    let wa = w << 2
    let off = <usize>load<u32>(sFwdOff + sa)
    let u = <usize>load<u32>(sFwdLen + sa)
    if (fw != off) memory.copy(fwd + (fw << 2), fwd + (off << 2), u << 2)
    store<u32>(sDl + wa, load<u32>(sDl + sa))
    store<u32>(sFwdOff + wa, <u32>fw)
    store<u32>(sFwdLen + wa, <u32>u)
    store<u8>(sAlive + w, 1)
    fw += u
    w++
  }
  memory.fill(sAlive + w, 0, <usize>sCount - w)
  memory.fill(sStamp, 0, <usize>sCap << 2)
  epoch = 0
  fwdLen = fw
  sCount = <i32>w
  deadSlots = 0
}

// toFixed(4) as V8 does it, then parsed back: the integer n nearest to x·10⁴ on the exact value
// of x (a tie takes the larger n), divided by 10⁴. x·10⁴ is split into p + e exactly (Dekker).
@inline function roundFixed4(x: f64): f64 {
  let p = x * 10000.0
  let c = x * 134217729.0
  let hi = c - (c - x)
  let lo = x - hi
  let e = (hi * 10000.0 - p) + lo * 10000.0
  let n = Math.floor(p)
  let frac = p - n
  if (frac > 0.5 || (frac == 0.5 && e >= 0)) n += 1.0
  return n / 10000.0
}

@inline function accumulate(slot: u32, v: f64, nTouched: i32): i32 {
  let sa = <usize>slot << 2
  if (load<u32>(sStamp + sa) != epoch) {
    store<u32>(sStamp + sa, epoch)
    store<f64>(sAcc + (<usize>slot << 3), v)
    store<u32>(sTouched + (<usize>nTouched << 2), slot)
    return nTouched + 1
  }
  let aa = sAcc + (<usize>slot << 3)
  store<f64>(aa, v + load<f64>(aa))
  return nTouched
}

// Scores the query (term ids in scratch, n of them) and keeps the top k; returns the count, with
// slots in resultIds() and scores in resultScores().
export function bm25Search(ptr: usize, n: i32, k: i32): i32 {
  if (live == 0 || k <= 0 || n <= 0) return 0
  epoch++
  if (epoch == 0) {
    memory.fill(sStamp, 0, <usize>sCap << 2)
    epoch = 1
  }
  let N = <f64>live
  let k1 = bK1
  let b = bB
  let wink = bMode == 1
  let avg = totalLen / N
  if (!wink && avg == 0) avg = 1.0
  let nTouched: i32 = 0
  for (let i = 0; i < n; i++) {
    let t = load<u32>(ptr + (<usize>i << 2))
    if (<i32>t >= tCap || <i32>t < 0) continue
    let ta = <usize>t << 2
    let df = <f64>load<u32>(tDf + ta)
    if (df == 0) continue
    if (!wink) {
      // a repeated query term counts once
      if (load<u32>(tMark + ta) != 0) continue
      store<u32>(tMark + ta, 1)
    }
    let idf = hostLog((N - df + 0.5) / (df + 0.5) + 1.0)
    let p = load<usize>(tPost + ta)
    let len = <usize>load<u32>(tLen + ta)
    let checkAlive = load<u32>(tDead + ta) != 0
    if (wink) {
      // wink-bm25-text-search's consolidate(): the same operations in the same order
      let k1p1 = k1 + 1.0
      let oneMinusB = 1.0 - b
      for (let j: usize = 0; j < len; j++) {
        let e = p + (j << 3)
        let slot = load<u32>(e)
        if (checkAlive && load<u8>(sAlive + <usize>slot) == 0) continue
        let tf = <f64>load<u32>(e, 4)
        let dl = <f64>load<u32>(sDl + (<usize>slot << 2))
        let norm = oneMinusB + (b * (dl / avg))
        let v = roundFixed4(Math.abs((tf * k1p1) / ((k1 * norm) + tf)) * idf)
        nTouched = accumulate(slot, v, nTouched)
      }
    } else {
      // idf·tf·(k1+1) / (tf + k1·(1 − b + b·dl/avgdl))
      let c = idf * (k1 + 1.0)
      let kA = k1 * (1.0 - b)
      let kB = k1 * b / avg
      for (let j: usize = 0; j < len; j++) {
        let e = p + (j << 3)
        let slot = load<u32>(e)
        if (checkAlive && load<u8>(sAlive + <usize>slot) == 0) continue
        let tf = <f64>load<u32>(e, 4)
        let dl = <f64>load<u32>(sDl + (<usize>slot << 2))
        nTouched = accumulate(slot, (c * tf) / (tf + (kA + kB * dl)), nTouched)
      }
    }
  }
  if (!wink) {
    for (let i = 0; i < n; i++) {
      let t = load<u32>(ptr + (<usize>i << 2))
      if (<i32>t < tCap && <i32>t >= 0) store<u32>(tMark + (<usize>t << 2), 0)
    }
  }
  heapReset(k)
  for (let i = 0; i < nTouched; i++) {
    let slot = load<u32>(sTouched + (<usize>i << 2))
    heapOffer(load<f64>(sAcc + (<usize>slot << 3)), slot)
  }
  return heapFinish()
}

export function bm25Live(): i32 { return live }
export function bm25TotalLen(): f64 { return totalLen }
export function bm25Slots(): i32 { return sCount }
export function bm25DeadSlots(): i32 { return deadSlots }
export function bm25Df(t: i32): i32 { return t >= 0 && t < tCap ? <i32>load<u32>(tDf + (<usize>t << 2)) : 0 }
export function bm25PostingEntries(t: i32): i32 { return t >= 0 && t < tCap ? <i32>load<u32>(tLen + (<usize>t << 2)) : 0 }
export function bm25SlotAlive(slot: i32): i32 { return slot >= 0 && slot < sCount ? <i32>load<u8>(sAlive + <usize>slot) : 0 }
export function bm25SlotLength(slot: i32): i32 { return slot >= 0 && slot < sCount ? <i32>load<u32>(sDl + (<usize>slot << 2)) : 0 }

// ---------------------------------------------------------------------------------------------
// Vectors

// @ts-ignore: decorator
@inline const CHUNK_SHIFT: i32 = 10
// @ts-ignore: decorator
@inline const CHUNK_ROWS: i32 = 1 << CHUNK_SHIFT

let vDim: i32 = 0
let vStride: i32 = 0 // floats per row: dim rounded up to a multiple of 4
let vChunks: usize = 0 // usize[]
let vChunkCap: i32 = 0
let vChunkCount: i32 = 0
let vRows: i32 = 0 // rows handed out (live + free)
let vAlive: usize = 0 // u8[vRowCap]
let vRowCap: i32 = 0
let vFree: usize = 0 // u32[] stack of free rows
let vFreeLen: i32 = 0
let vFreeCap: i32 = 0
let vLive: i32 = 0
let vQuery: usize = 0 // f32[vStride]
let vFilter: usize = 0 // u32[] row bitmap
let vFilterWords: i32 = 0

// The int8 copy of each row, row ≈ scale·code with codes within ±127, stored column by column so
// that a search reads only the columns of the query's non-zero codes. A chunk's codes (parallel to
// its f32 rows): f32 scale[CHUNK_ROWS], f32 ‖row − scale·code‖[CHUNK_ROWS] and f32
// ‖scale·code‖[CHUNK_ROWS] (both rounded up), then per segment of 256 rows its dim columns of 256
// codes (row i of the segment in byte i). A search takes 16 rows (one v128 per column) at a time.
// Segments of 256 rows (measured against 64 and 1024): a sparse query reads whole cache lines of
// a column, and a dense query's 16-row steps stay within a 64 KiB segment.
// @ts-ignore: decorator
@inline const BLOCK_ROWS: i32 = 16
// @ts-ignore: decorator
@inline const SEGMENT_SHIFT: i32 = 8
// @ts-ignore: decorator
@inline const SEGMENT_ROWS: i32 = 1 << SEGMENT_SHIFT
// @ts-ignore: decorator
@inline const CODE_ERRORS: usize = <usize>CHUNK_ROWS << 2
// @ts-ignore: decorator
@inline const CODE_NORMS: usize = <usize>CHUNK_ROWS << 3
// @ts-ignore: decorator
@inline const CODE_COLUMNS: usize = <usize>CHUNK_ROWS * 12
let vCodeLength: i32 = 0 // dim rounded up to a multiple of 16 (quantise works 16 codes at a time)
let vCodeChunks: usize = 0 // usize[], parallel to vChunks
let vRowCode: usize = 0 // i8[vCodeLength]: a row's codes, before they go to their column
let vQueryCode: usize = 0 // i8[vCodeLength]: the query, quantised per search
let vTermOffset: usize = 0 // u32[vCodeLength + 1]: column offset of each non-zero query code
let vTermCode: usize = 0 // v128[vCodeLength / 2 + 1]: per pair of them, their codes in alternate i16 lanes
let vLaneDots: usize = heap.alloc(<usize>BLOCK_ROWS << 2) // i32[16]: a block's code dot products
let vCandRow: usize = 0 // u32[vRowCap]: rows the bounded search must score exactly
let vCandHigh: usize = 0 // f64[vRowCap]: their upper bounds

// Sets the dimension; returns 0 when rows exist with another dimension.
export function vecInit(dim: i32): i32 {
  if (dim <= 0) return 0
  if (vDim == dim) return 1
  if (vRows > 0) return 0
  vDim = dim
  vStride = (dim + 3) & ~3
  vCodeLength = (dim + 15) & ~15
  if (vQuery != 0) heap.free(vQuery)
  vQuery = heap.alloc(<usize>vStride << 2)
  memory.fill(vQuery, 0, <usize>vStride << 2)
  vRowCode = fresh(vRowCode, <usize>vCodeLength)
  vQueryCode = fresh(vQueryCode, <usize>vCodeLength)
  vTermOffset = fresh(vTermOffset, <usize>(vCodeLength + 1) << 2)
  vTermCode = fresh(vTermCode, <usize>((vCodeLength >> 1) + 1) << 4)
  vStage = fresh(vStage, <usize>vCodeLength << 2)
  return 1
}

// A zeroed buffer in place of ptr (freed when set).
function fresh(ptr: usize, bytes: usize): usize {
  if (ptr != 0) heap.free(ptr)
  let p = heap.alloc(bytes)
  memory.fill(p, 0, bytes)
  return p
}

@inline function rowPtr(row: i32): usize {
  return load<usize>(vChunks + (<usize>(row >> CHUNK_SHIFT) << 2)) + ((<usize>(row & (CHUNK_ROWS - 1)) * <usize>vStride) << 2)
}

@inline function codeChunk(row: i32): usize {
  return load<usize>(vCodeChunks + (<usize>(row >> CHUNK_SHIFT) << 2))
}

// Writes a row's header and its codes (from vRowCode) into their columns.
function storeCodes(row: i32, scale: f32, error: f32, codeNorm: f32): void {
  let chunk = codeChunk(row)
  let i = <usize>(row & (CHUNK_ROWS - 1))
  store<f32>(chunk + (i << 2), scale)
  store<f32>(chunk + CODE_ERRORS + (i << 2), error)
  store<f32>(chunk + CODE_NORMS + (i << 2), codeNorm)
  let code = chunk + CODE_COLUMNS + (i & ~(<usize>SEGMENT_ROWS - 1)) * <usize>vDim + (i & (<usize>SEGMENT_ROWS - 1))
  for (let j = 0; j < vDim; j++) store<i8>(code + (<usize>j << SEGMENT_SHIFT), load<i8>(vRowCode + <usize>j))
}

// f32 rounding up, for the error bounds.
@inline function f32Above(x: f64): f32 {
  return <f32>(x * (1 + 2.384185791015625e-7))
}

// Quantises the vector in vStage (dim floats, zero-padded to vCodeLength) into dst: code =
// nearest(x/scale) within ±levels, scale = max|x|/levels (an f32). Leaves in vQuantised the scale
// and upper bounds on ‖x − scale·code‖, ‖scale·code‖ and ‖x‖, allowing for the f32 arithmetic:
// each sum of squares is at most (n + 8)·2⁻²³ relatively low, and each rounded product at most
// 2⁻²⁴ of its value away.
let vStage: usize = 0 // f32[vCodeLength] (also the bounded search's query, zero-padded like a row)
let vQuantised: usize = heap.alloc(32) // f64 scale, error, code norm, norm

function quantise(dst: usize, levels: f32): void {
  let bytes = <usize>vCodeLength << 2
  let peak4 = f32x4.splat(0)
  for (let off: usize = 0; off < bytes; off += 16) peak4 = f32x4.max(peak4, f32x4.abs(v128.load(vStage + off)))
  let peak = max<f32>(max<f32>(f32x4.extract_lane(peak4, 0), f32x4.extract_lane(peak4, 1)), max<f32>(f32x4.extract_lane(peak4, 2), f32x4.extract_lane(peak4, 3)))
  let scale: f32 = peak / levels
  let scale4 = f32x4.splat(scale)
  let inverse4 = f32x4.splat(scale > 0 ? 1 / scale : 0)
  let high4 = f32x4.splat(levels)
  let low4 = f32x4.splat(-levels)
  let error4 = f32x4.splat(0)
  let code4 = error4
  let norm4 = error4
  for (let off: usize = 0; off < bytes; off += 64) {
    let x0 = v128.load(vStage + off)
    let x1 = v128.load(vStage + off, 16)
    let x2 = v128.load(vStage + off, 32)
    let x3 = v128.load(vStage + off, 48)
    let c0 = f32x4.min(high4, f32x4.max(low4, f32x4.nearest(f32x4.mul(x0, inverse4))))
    let c1 = f32x4.min(high4, f32x4.max(low4, f32x4.nearest(f32x4.mul(x1, inverse4))))
    let c2 = f32x4.min(high4, f32x4.max(low4, f32x4.nearest(f32x4.mul(x2, inverse4))))
    let c3 = f32x4.min(high4, f32x4.max(low4, f32x4.nearest(f32x4.mul(x3, inverse4))))
    let a0 = f32x4.mul(c0, scale4)
    let a1 = f32x4.mul(c1, scale4)
    let a2 = f32x4.mul(c2, scale4)
    let a3 = f32x4.mul(c3, scale4)
    let d0 = f32x4.sub(x0, a0)
    let d1 = f32x4.sub(x1, a1)
    let d2 = f32x4.sub(x2, a2)
    let d3 = f32x4.sub(x3, a3)
    error4 = f32x4.add(error4, f32x4.add(f32x4.add(f32x4.mul(d0, d0), f32x4.mul(d1, d1)), f32x4.add(f32x4.mul(d2, d2), f32x4.mul(d3, d3))))
    code4 = f32x4.add(code4, f32x4.add(f32x4.add(f32x4.mul(a0, a0), f32x4.mul(a1, a1)), f32x4.add(f32x4.mul(a2, a2), f32x4.mul(a3, a3))))
    norm4 = f32x4.add(norm4, f32x4.add(f32x4.add(f32x4.mul(x0, x0), f32x4.mul(x1, x1)), f32x4.add(f32x4.mul(x2, x2), f32x4.mul(x3, x3))))
    let h0 = i16x8.narrow_i32x4_s(i32x4.trunc_sat_f32x4_s(c0), i32x4.trunc_sat_f32x4_s(c1))
    let h1 = i16x8.narrow_i32x4_s(i32x4.trunc_sat_f32x4_s(c2), i32x4.trunc_sat_f32x4_s(c3))
    v128.store(dst + (off >> 2), i8x16.narrow_i16x8_s(h0, h1))
  }
  let sums = 1 + <f64>(vCodeLength + 8) * 1.1920928955078125e-7
  let error = sqrt<f64>(laneSum(error4) * sums)
  let codeNorm = sqrt<f64>(laneSum(code4) * sums)
  store<f64>(vQuantised, <f64>scale)
  store<f64>(vQuantised, error * (1 + 5.960464477539063e-8) + codeNorm * 5.960464477539063e-8, 8)
  store<f64>(vQuantised, codeNorm * (1 + 5.960464477539063e-8), 16)
  store<f64>(vQuantised, sqrt<f64>(laneSum(norm4) * sums), 24)
}

@inline function laneSum(v: v128): f64 {
  return <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3)
}

// Writes dim floats from src into a row (padding stays zero), and its int8 copy.
export function vecSet(row: i32, src: usize): void {
  memory.copy(rowPtr(row), src, <usize>vDim << 2)
  memory.copy(vStage, src, <usize>vDim << 2)
  quantise(vRowCode, 127)
  storeCodes(row, <f32>load<f64>(vQuantised), f32Above(load<f64>(vQuantised, 8)), f32Above(load<f64>(vQuantised, 16)))
}

// Appends the vector in src (dim floats), reusing a free row if any; returns the row.
export function vecAdd(src: usize): i32 {
  let row: i32
  if (vFreeLen > 0) {
    row = <i32>load<u32>(vFree + (<usize>(--vFreeLen) << 2))
  } else {
    row = vRows
    if ((row >> CHUNK_SHIFT) >= vChunkCount) {
      if (vChunkCount == vChunkCap) {
        let cap = max<i32>(vChunkCap * 2, 16)
        vChunks = growBuffer(vChunks, <usize>vChunkCap << 2, <usize>cap << 2)
        vCodeChunks = growBuffer(vCodeChunks, <usize>vChunkCap << 2, <usize>cap << 2)
        vChunkCap = cap
      }
      let bytes = (<usize>CHUNK_ROWS * <usize>vStride) << 2
      let c = heap.alloc(bytes)
      memory.fill(c, 0, bytes)
      store<usize>(vChunks + (<usize>vChunkCount << 2), c)
      let codeBytes = CODE_COLUMNS + <usize>CHUNK_ROWS * <usize>vDim
      let cc = heap.alloc(codeBytes)
      memory.fill(cc, 0, codeBytes)
      store<usize>(vCodeChunks + (<usize>vChunkCount << 2), cc)
      vChunkCount++
    }
    if (row >= vRowCap) {
      let cap = max<i32>(vRowCap * 2, CHUNK_ROWS)
      vAlive = growBuffer(vAlive, <usize>vRowCap, <usize>cap)
      vCandRow = resized(vCandRow, <usize>cap << 2)
      vCandHigh = resized(vCandHigh, <usize>cap << 3)
      vRowCap = cap
    }
    vRows++
  }
  vecSet(row, src)
  store<u8>(vAlive + <usize>row, 1)
  vLive++
  return row
}

export function vecRemove(row: i32): i32 {
  if (row < 0 || row >= vRows || load<u8>(vAlive + <usize>row) == 0) return 0
  store<u8>(vAlive + <usize>row, 0)
  memory.fill(rowPtr(row), 0, <usize>vStride << 2)
  memory.fill(vRowCode, 0, <usize>vCodeLength)
  storeCodes(row, 0, 0, 0)
  if (vFreeLen == vFreeCap) {
    let cap = max<i32>(vFreeCap * 2, 256)
    vFree = growBuffer(vFree, <usize>vFreeCap << 2, <usize>cap << 2)
    vFreeCap = cap
  }
  store<u32>(vFree + (<usize>(vFreeLen++) << 2), <u32>row)
  vLive--
  return 1
}

// Address of a live row's dim floats, or 0.
export function vecRow(row: i32): usize {
  return row >= 0 && row < vRows && load<u8>(vAlive + <usize>row) != 0 ? rowPtr(row) : 0
}

// A zeroed row bitmap (bit r of word r>>5) for the JS side to fill before a filtered search.
export function vecFilter(): usize {
  let words = (vRows + 31) >> 5
  if (words > vFilterWords || vFilter == 0) {
    let cap = max<i32>(words, 64)
    if (vFilter != 0) heap.free(vFilter)
    vFilter = heap.alloc(<usize>cap << 2)
    vFilterWords = cap
  }
  memory.fill(vFilter, 0, <usize>vFilterWords << 2)
  return vFilter
}

@inline function dotSimd(a: usize, b: usize, bytes: usize): f32 {
  let s0 = f32x4.splat(0)
  let s1 = s0
  let s2 = s0
  let s3 = s0
  let off: usize = 0
  while (off + 64 <= bytes) {
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + off), v128.load(b + off)))
    s1 = f32x4.add(s1, f32x4.mul(v128.load(a + off, 16), v128.load(b + off, 16)))
    s2 = f32x4.add(s2, f32x4.mul(v128.load(a + off, 32), v128.load(b + off, 32)))
    s3 = f32x4.add(s3, f32x4.mul(v128.load(a + off, 48), v128.load(b + off, 48)))
    off += 64
  }
  while (off < bytes) {
    s0 = f32x4.add(s0, f32x4.mul(v128.load(a + off), v128.load(b + off)))
    off += 16
  }
  let s = f32x4.add(f32x4.add(s0, s1), f32x4.add(s2, s3))
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3)
}

@inline function dotScalar(a: usize, b: usize, n: i32): f32 {
  let s: f32 = 0
  for (let i = 0; i < n; i++) {
    s += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2))
  }
  return s
}

@inline function rowAllowed(row: i32, useFilter: i32): bool {
  if (load<u8>(vAlive + <usize>row) == 0) return false
  return !useFilter || (load<u32>(vFilter + (<usize>(row >> 5) << 2)) & (1 << (row & 31))) != 0
}

// Top-k rows by dot product with the query in src (dim floats). useFilter: only rows whose bit is
// set in the vecFilter() bitmap. simd = 0 runs the scalar loop (for measurement).
export function vecSearch(src: usize, k: i32, useFilter: i32, simd: i32): i32 {
  if (k <= 0 || vLive == 0) return 0
  memory.copy(vQuery, src, <usize>vDim << 2)
  heapReset(k)
  let bytes = <usize>vStride << 2
  let q = vQuery
  for (let c = 0; c < vChunkCount; c++) {
    let base = load<usize>(vChunks + (<usize>c << 2))
    let first = c << CHUNK_SHIFT
    let last = min<i32>(first + CHUNK_ROWS, vRows)
    for (let row = first; row < last; row++) {
      if (!rowAllowed(row, useFilter)) continue
      let rp = base + (<usize>(row - first) * bytes)
      let d: f32 = simd ? dotSimd(rp, q, bytes) : dotScalar(rp, q, vDim)
      if (hSize < hK || <f64>d > load<f64>(hScore)) heapOffer(<f64>d, <u32>row)
    }
  }
  return heapFinish()
}

// Lists the query's non-zero codes (vQueryCode), padded with a zero code to an even count: their
// column offsets in vTermOffset and, per pair, the two codes as i16 lanes (a, b, a, b, …) in
// vTermCode. Returns the count.
function listQueryTerms(): i32 {
  let terms = 0
  for (let j = 0; j < vDim; j++) {
    let code = load<i8>(vQueryCode + <usize>j)
    if (code != 0) listTerm(terms++, <u32>j << SEGMENT_SHIFT, code)
  }
  if (terms & 1) listTerm(terms++, 0, 0)
  for (let pair: usize = 0; pair < <usize>terms >> 1; pair++) {
    let p = vTermCode + (pair << 4)
    v128.store(p, i32x4.splat(load<i32>(p)))
  }
  return terms
}

@inline function listTerm(t: i32, offset: u32, code: i8): void {
  store<u32>(vTermOffset + (<usize>t << 2), offset)
  store<i16>(vTermCode + (<usize>(t >> 1) << 4) + (<usize>(t & 1) << 1), <i16>code)
}

// Σ code·queryCode for a block's 16 rows into vLaneDots, over the query's listed terms only: each
// pair of columns is interleaved row by row (a₀ b₀ a₁ b₁ …), widened to i16 and multiplied by the
// pair's codes with i32x4.dot_i16x8_s, which adds a·qa + b·qb per row in i32 (exact).
@inline function blockDots(block: usize, terms: i32): void {
  let d0 = i32x4.splat(0)
  let d1 = d0
  let d2 = d0
  let d3 = d0
  for (let t = 0; t < terms; t += 2) {
    let o = vTermOffset + (<usize>t << 2)
    let q = v128.load(vTermCode + (<usize>t << 3))
    let a = v128.load(block + <usize>load<u32>(o))
    let b = v128.load(block + <usize>load<u32>(o, 4))
    let low = i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23)
    let high = i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31)
    d0 = i32x4.add(d0, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(low), q))
    d1 = i32x4.add(d1, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(low), q))
    d2 = i32x4.add(d2, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(high), q))
    d3 = i32x4.add(d3, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(high), q))
  }
  v128.store(vLaneDots, d0)
  v128.store(vLaneDots, d1, 16)
  v128.store(vLaneDots, d2, 32)
  v128.store(vLaneDots, d3, 48)
}

// A float at or below x (f64 → f32 rounds to nearest).
@inline function f32Below(x: f64): f32 {
  return <f32>(x - Math.abs(x) * 2.384185791015625e-7 - 1e-30)
}

// Which of 4 rows (lanes of dots) may have an upper bound at or above floor: the bound of
// vecSearchBounded computed in f32, widened by far more than f32 rounding can take off it
// (≤ 5·2⁻²⁴ of |approx| + bound), so that the rows it drops are rows the f64 test would drop.
// NaN and infinities keep the row.
@inline function mayReach(dots: v128, header: usize, qScale: v128, errorWeight: v128, normWeight: v128, floor: v128): i32 {
  let approx = f32x4.mul(f32x4.mul(qScale, v128.load(header)), f32x4.convert_i32x4_s(dots))
  let bound = f32x4.add(f32x4.mul(v128.load(header + CODE_ERRORS), errorWeight), f32x4.mul(v128.load(header + CODE_NORMS), normWeight))
  let slack = f32x4.add(f32x4.mul(f32x4.add(f32x4.abs(approx), bound), f32x4.splat(3.814697265625e-6)), f32x4.splat(2e-12)) // 2⁻¹⁸
  return i32x4.bitmask(v128.not(f32x4.lt(f32x4.add(f32x4.add(approx, bound), slack), floor)))
}

// Offers a row's bounds to vecSearchBounded's first pass: the lower bound to the heap, whose k-th
// best is the floor; the row to the candidates unless its upper bound is below that floor.
@inline function offerBounds(row: i32, low: f64, high: f64, candidates: i32): i32 {
  if (hSize < hK || low > load<f64>(hScore)) heapOffer(low, <u32>row)
  if (hSize < hK || high >= load<f64>(hScore)) {
    store<u32>(vCandRow + (<usize>candidates << 2), <u32>row)
    store<f64>(vCandHigh + (<usize>candidates << 3), high)
    candidates++
  }
  return candidates
}

// The same top k as vecSearch with SIMD, reading the int8 columns of the query's non-zero codes
// only (all of them for a dense query: a quarter of the f32 bytes). The query is quantised like
// the rows, within ±127 too (q ≈ qScale·qCode; blockDots sums in i32); for each row,
// approx = qScale·scale·(qCode·code) and
//   |q·row − approx| ≤ ‖q‖·‖row − scale·code‖ + ‖q − qScale·qCode‖·‖scale·code‖   (Cauchy–Schwarz),
// plus the f32 rounding of the exact dot product (≤ dim·2⁻²³·‖q‖·‖row‖). The k-th largest lower
// bound so far is a floor under the k-th exact score, so a row whose upper bound is below it cannot
// be in the top k. Per block of 16 rows the bounds are first tested in f32 against the floor
// (mayReach); the few rows left go through the f64 test, which keeps the candidates: those are
// scored exactly, with the same f32 kernel and the same tie rule as the full scan.
export function vecSearchBounded(src: usize, k: i32, useFilter: i32): i32 {
  if (k <= 0 || vLive == 0) return 0
  memory.copy(vStage, src, <usize>vDim << 2)
  quantise(vQueryCode, 127)
  let qScale = load<f64>(vQuantised)
  let queryNorm = load<f64>(vQuantised, 24)
  let rounding = <f64>vDim * 1.1920928955078125e-7 * queryNorm // dim·2⁻²³·‖q‖
  let errorWeight = queryNorm + rounding
  let normWeight = load<f64>(vQuantised, 8) + rounding
  let terms = listQueryTerms()
  let qScale4 = f32x4.splat(<f32>qScale)
  let errorWeight4 = f32x4.splat(f32Above(errorWeight))
  let normWeight4 = f32x4.splat(f32Above(normWeight))
  let rowBytes = <usize>vStride << 2

  heapReset(k)
  let floor4 = f32x4.splat(-Infinity)
  let candidates = 0
  for (let c = 0; c < vChunkCount; c++) {
    let chunk = load<usize>(vCodeChunks + (<usize>c << 2))
    let first = c << CHUNK_SHIFT
    let count = min<i32>(CHUNK_ROWS, vRows - first)
    for (let b = 0; b < count; b += BLOCK_ROWS) {
      let row0 = first + b
      let allowed = i8x16.bitmask(i8x16.ne(v128.load(vAlive + <usize>row0), i8x16.splat(0)))
      if (useFilter) allowed &= <i32>load<u16>(vFilter + (<usize>row0 >> 3))
      if (allowed == 0) continue
      if (popcnt<i32>(allowed) * vDim < terms << 2) {
        // a few rows of a dense query (a filtered search): cheaper scored exactly, row by row
        while (allowed != 0) {
          let row = row0 + ctz<i32>(allowed)
          allowed &= allowed - 1
          let d = <f64>dotSimd(rowPtr(row), vStage, rowBytes)
          candidates = offerBounds(row, d, d, candidates)
        }
        if (hSize == hK) floor4 = f32x4.splat(f32Below(load<f64>(hScore)))
        continue
      }
      blockDots(chunk + CODE_COLUMNS + <usize>(b & ~(SEGMENT_ROWS - 1)) * <usize>vDim + <usize>(b & (SEGMENT_ROWS - 1)), terms)
      let header = chunk + (<usize>b << 2)
      let keep = mayReach(v128.load(vLaneDots), header, qScale4, errorWeight4, normWeight4, floor4)
        | mayReach(v128.load(vLaneDots, 16), header + 16, qScale4, errorWeight4, normWeight4, floor4) << 4
        | mayReach(v128.load(vLaneDots, 32), header + 32, qScale4, errorWeight4, normWeight4, floor4) << 8
        | mayReach(v128.load(vLaneDots, 48), header + 48, qScale4, errorWeight4, normWeight4, floor4) << 12
      keep &= allowed
      if (keep == 0) continue
      while (keep != 0) {
        let i = ctz<i32>(keep)
        keep &= keep - 1
        let row = row0 + i
        let h = header + (<usize>i << 2)
        let approx = qScale * <f64>load<f32>(h) * <f64>load<i32>(vLaneDots + (<usize>i << 2))
        let bound = <f64>load<f32>(h + CODE_ERRORS) * errorWeight + <f64>load<f32>(h + CODE_NORMS) * normWeight + 1e-12
        candidates = offerBounds(row, approx - bound, approx + bound, candidates)
      }
      if (hSize == hK) floor4 = f32x4.splat(f32Below(load<f64>(hScore)))
    }
  }
  let floorScore = hSize < hK ? -Infinity : load<f64>(hScore)
  heapReset(k)
  for (let i = 0; i < candidates; i++) {
    if (load<f64>(vCandHigh + (<usize>i << 3)) < floorScore) continue
    let row = <i32>load<u32>(vCandRow + (<usize>i << 2))
    let d = dotSimd(rowPtr(row), vStage, rowBytes)
    if (hSize < hK || <f64>d > load<f64>(hScore)) heapOffer(<f64>d, <u32>row)
  }
  return heapFinish()
}

export function vecLive(): i32 { return vLive }
export function vecRows(): i32 { return vRows }
export function vecDim(): i32 { return vDim }

// ---------------------------------------------------------------------------------------------
// Reciprocal-rank fusion: score = alpha/(k + rankA) + (1 − alpha)/(k + rankB), 1-based ranks, a
// missing rank counted as `missing`. The lists hold dense ids 0..nUnion-1 (in scratch: list A, then
// list B); an id repeated within a list keeps its first (best) rank.

let fRankA: usize = 0 // f64[]
let fRankB: usize = 0 // f64[]
let fCap: i32 = 0

export function fuse(aPtr: usize, aLen: i32, bPtr: usize, bLen: i32, nUnion: i32, alpha: f64, rrfK: f64, missing: f64, k: i32): i32 {
  if (k <= 0 || nUnion <= 0) return 0
  if (nUnion > fCap) {
    let cap = max<i32>(nUnion, max<i32>(fCap * 2, 256))
    fRankA = growBuffer(fRankA, <usize>fCap << 3, <usize>cap << 3)
    fRankB = growBuffer(fRankB, <usize>fCap << 3, <usize>cap << 3)
    fCap = cap
  }
  for (let u = 0; u < nUnion; u++) {
    store<f64>(fRankA + (<usize>u << 3), 0)
    store<f64>(fRankB + (<usize>u << 3), 0)
  }
  for (let i = 0; i < aLen; i++) {
    let u = <usize>load<u32>(aPtr + (<usize>i << 2))
    if (<i32>u >= nUnion) continue
    let ra = fRankA + (u << 3)
    if (load<f64>(ra) == 0) store<f64>(ra, <f64>(i + 1))
  }
  for (let i = 0; i < bLen; i++) {
    let u = <usize>load<u32>(bPtr + (<usize>i << 2))
    if (<i32>u >= nUnion) continue
    let rb = fRankB + (u << 3)
    if (load<f64>(rb) == 0) store<f64>(rb, <f64>(i + 1))
  }
  heapReset(k)
  let beta = 1.0 - alpha
  for (let u = 0; u < nUnion; u++) {
    let ra = load<f64>(fRankA + (<usize>u << 3))
    let rb = load<f64>(fRankB + (<usize>u << 3))
    if (ra == 0 && rb == 0) continue
    if (ra == 0) ra = missing
    if (rb == 0) rb = missing
    heapOffer(alpha / (rrfK + ra) + beta / (rrfK + rb), <u32>u)
  }
  return heapFinish()
}
