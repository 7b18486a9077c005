import assert from 'node:assert/strict'
import { before, describe, test } from 'node:test'
import { ensureWasm } from '../scripts/build-wasm.mjs'
import { type RankingCore, type ScoredId, loadRankingCore } from '../src/engine/memory/core/ranking-core.js'
import { Bm25TextIndex } from '../src/engine/memory/core/text-index.js'
import { createTextPrep } from '../src/engine/memory/core/text-prep.js'
import { seededRandom, zipfSampler } from './support/random.js'

before(async () => {
  await ensureWasm()
})


/** A straightforward BM25 (SPEC §12 formula, repeated query terms counted once). */
class ReferenceBm25 {
  readonly docs = new Map<number, { tf: Map<number, number>; dl: number; order: number }>()
  private order = 0
  constructor(readonly k1 = 1.2, readonly b = 0.75) {}

  add(id: number, terms: number[]): void {
    this.docs.delete(id)
    const tf = new Map<number, number>()
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1)
    this.docs.set(id, { tf, dl: terms.length, order: this.order++ })
  }

  remove(id: number): boolean {
    return this.docs.delete(id)
  }

  df(t: number): number {
    let n = 0
    for (const d of this.docs.values()) if (d.tf.has(t)) n++
    return n
  }

  totalLength(): number {
    let n = 0
    for (const d of this.docs.values()) n += d.dl
    return n
  }

  search(query: number[], k: number): ScoredId<number>[] {
    const N = this.docs.size
    if (N === 0) return []
    const avgdl = this.totalLength() / N || 1
    const scores = new Map<number, number>()
    for (const t of new Set(query)) {
      const df = this.df(t)
      if (df === 0) continue
      const idf = Math.log((N - df + 0.5) / (df + 0.5) + 1)
      for (const [id, d] of this.docs) {
        const tf = d.tf.get(t)
        if (!tf) continue
        const s = idf * tf * (this.k1 + 1) / (tf + this.k1 * (1 - this.b + this.b * d.dl / avgdl))
        scores.set(id, (scores.get(id) ?? 0) + s)
      }
    }
    return [...scores]
      .sort((x, y) => y[1] - x[1] || this.docs.get(x[0])!.order - this.docs.get(y[0])!.order)
      .slice(0, k)
      .map(([id, score]) => ({ id, score }))
  }
}

/** Same scores (within eps) in the same order; ids may differ only among near-equal scores. */
function assertSameRanking<T>(actual: ScoredId<T>[], expected: ScoredId<T>[], eps: number, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: result count`)
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i]!.score - expected[i]!.score) <= eps * Math.max(1, Math.abs(expected[i]!.score)), `${label}: score #${i} ${actual[i]!.score} vs ${expected[i]!.score}`)
    if (actual[i]!.id !== expected[i]!.id) {
      const tied = expected.filter((e) => Math.abs(e.score - expected[i]!.score) <= eps * 10).map((e) => e.id)
      assert.ok(tied.includes(actual[i]!.id), `${label}: id #${i} ${String(actual[i]!.id)} vs ${String(expected[i]!.id)}`)
    }
  }
}

describe('BM25 core: SPEC §12 cases', () => {
  // SPEC's Bm25Index tokens: split on non-alphanumerics, lowercase, > 1 byte, no stop words
  const specPrep = { tokenizer: 'unicode', stem: false, stopWords: false } as const

  test('a document is found by its own words', async () => {
    const index = await Bm25TextIndex.create(specPrep)
    index.add('d1', 'The quick brown fox jumps over the lazy dog')
    index.add('d2', 'Completely unrelated text about databases')
    const hits = index.search('lazy fox', 5)
    assert.equal(hits[0]?.id, 'd1')
    assert.equal(hits.length, 1)
    assert.ok(hits[0]!.score > 0)
  })

  test('a removed document disappears', async () => {
    const index = await Bm25TextIndex.create(specPrep)
    index.add('d1', 'rust ownership and borrowing')
    index.add('d2', 'rust async runtimes')
    assert.equal(index.search('ownership', 5).length, 1)
    assert.equal(index.remove('d1'), true)
    assert.equal(index.remove('d1'), false)
    assert.deepEqual(index.search('ownership', 5), [])
    assert.deepEqual(index.search('rust', 5).map((h) => h.id), ['d2'])
    assert.equal(index.stats().docs, 1)
  })

  test('a query with no matching terms returns nothing', async () => {
    const index = await Bm25TextIndex.create(specPrep)
    index.add('d1', 'alpha beta gamma')
    assert.deepEqual(index.search('delta epsilon', 5), [])
    assert.deepEqual(index.search('', 5), [])
    assert.deepEqual(index.search('!!! ,,,', 5), [])
  })

  test('the triple-"rust" doc ranks above the python doc; the cooking doc is absent', async () => {
    const index = await Bm25TextIndex.create(specPrep)
    index.add('rust', 'rust rust rust systems programming language')
    index.add('python', 'python is a programming language for scripting')
    index.add('cooking', 'cooking pasta with fresh tomato sauce')
    const hits = index.search('rust programming language', 10)
    const ids = hits.map((h) => h.id)
    assert.deepEqual(ids, ['rust', 'python'])
    assert.ok(hits[0]!.score > hits[1]!.score)
    assert.ok(!ids.includes('cooking'))
  })

  test('an empty index returns nothing', async () => {
    const index = await Bm25TextIndex.create(specPrep)
    assert.deepEqual(index.search('anything at all', 5), [])
    const core = await loadRankingCore()
    assert.deepEqual(core.bm25.search([0, 1, 2], 5), [])
    assert.deepEqual(core.vectors.search([1, 0], 5), [])
  })

  test('the tokenizer drops "a"; the wink pipeline stems and drops stop words', () => {
    assert.deepEqual(createTextPrep(specPrep)('a cat, a Dog: ÉTÉ x é'), ['cat', 'dog', 'été', 'é'])
    assert.deepEqual(createTextPrep()('The runners were running quickly'), ['runner', 'run', 'quick'])
    assert.deepEqual(createTextPrep({ stem: false })('The runners were running quickly'), ['runners', 'running', 'quickly'])
    assert.deepEqual(createTextPrep({ stopWords: false, stem: false })('The cat'), ['the', 'cat'])
  })

  test('a repeated query term counts once (standard mode) and again in wink mode', async () => {
    const core = await loadRankingCore<string>()
    core.bm25.add('x', [1, 2, 2, 3])
    core.bm25.add('y', [2, 4])
    core.bm25.add('z', [5])
    const once = core.bm25.search([2], 5)
    assert.deepEqual(core.bm25.search([2, 2, 2], 5), once)
    core.bm25.setParams({ mode: 'wink' })
    const wOnce = core.bm25.search([2], 5)
    const wTwice = core.bm25.search([2, 2], 5)
    assert.deepEqual(wTwice.map((h) => h.id), wOnce.map((h) => h.id))
    for (let i = 0; i < wOnce.length; i++) assert.equal(wTwice[i]!.score, wOnce[i]!.score * 2)
  })

  test('re-adding an id replaces the document', async () => {
    const core = await loadRankingCore<string>()
    core.bm25.add('d', [1, 1, 1])
    core.bm25.add('d', [2])
    assert.equal(core.bm25.size, 1)
    assert.deepEqual(core.bm25.search([1], 5), [])
    assert.equal(core.bm25.search([2], 5)[0]?.id, 'd')
    assert.deepEqual(core.bm25.stats(), { docs: 1, totalLength: 1, avgdl: 1, slots: 2, deadSlots: 1 })
    core.bm25.compact()
    assert.deepEqual(core.bm25.stats(), { docs: 1, totalLength: 1, avgdl: 1, slots: 1, deadSlots: 0 })
    assert.equal(core.bm25.search([2], 5)[0]?.id, 'd')
    assert.throws(() => core.bm25.add('bad', [1, -1]), RangeError)
  })
})

describe('BM25 core against a JS reference on a random corpus with interleaved deletes', () => {
  test('N, df, avgdl and rankings stay exact through adds, deletes, re-adds and compaction', async () => {
    const rand = seededRandom(12345).next
    const vocab = 600
    const zipf = zipfSampler(vocab, 1.05, rand)
    const core = await loadRankingCore<number>()
    const ref = new ReferenceBm25()
    const randomDoc = (): number[] => Array.from({ length: 3 + Math.floor(rand() * 60) }, zipf)
    const live: number[] = []
    let nextId = 0

    const check = (label: string): void => {
      const stats = core.bm25.stats()
      assert.equal(stats.docs, ref.docs.size, `${label}: N`)
      assert.equal(stats.totalLength, ref.totalLength(), `${label}: total length`)
      assert.equal(stats.avgdl, ref.docs.size ? ref.totalLength() / ref.docs.size : 0, `${label}: avgdl`)
      for (let t = 0; t < vocab; t++) assert.equal(core.bm25.df(t), ref.df(t), `${label}: df(${t})`)
      for (let q = 0; q < 40; q++) {
        const query = Array.from({ length: 1 + Math.floor(rand() * 4) }, zipf)
        if (q % 5 === 0) query.push(query[0]!) // a repeated term
        if (q % 7 === 0) query.push(vocab + 50) // a term never seen
        assertSameRanking(core.bm25.search(query, 10), ref.search(query, 10), 1e-9, `${label} q${q} [${query}]`)
      }
    }

    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 500; i++) {
        const id = nextId++
        const doc = randomDoc()
        core.bm25.add(id, doc)
        ref.add(id, doc)
        live.push(id)
        // interleaved deletes and replacements
        if (rand() < 0.3) {
          const victim = live.splice(Math.floor(rand() * live.length), 1)[0]!
          assert.equal(core.bm25.remove(victim), true)
          assert.equal(ref.remove(victim), true)
        }
        if (rand() < 0.05 && live.length) {
          const target = live[Math.floor(rand() * live.length)]!
          const doc2 = randomDoc()
          core.bm25.add(target, doc2)
          ref.add(target, doc2)
        }
      }
      check(`round ${round}`)
    }
    // heavy deletion: postings compaction kicks in for many terms
    for (let i = live.length - 1; i >= 0; i -= 2) {
      const [victim] = live.splice(i, 1)
      core.bm25.remove(victim!)
      ref.remove(victim!)
    }
    assert.equal(core.bm25.remove(-1), false)
    check('after mass delete')
    const before = core.bm25.stats()
    assert.ok(before.deadSlots > 0)
    core.bm25.compact()
    assert.equal(core.bm25.stats().deadSlots, 0)
    assert.equal(core.bm25.stats().slots, before.docs)
    check('after compact')
    for (let i = 0; i < 300; i++) {
      const id = nextId++
      const doc = randomDoc()
      core.bm25.add(id, doc)
      ref.add(id, doc)
    }
    check('after re-growth')
    // remove everything: an empty index again
    for (const id of [...ref.docs.keys()]) {
      core.bm25.remove(id)
      ref.remove(id)
    }
    assert.deepEqual(core.bm25.stats().docs, 0)
    assert.deepEqual(core.bm25.search([0, 1, 2], 10), [])
    for (let t = 0; t < vocab; t++) assert.equal(core.bm25.df(t), 0)
  })

  test('automatic compaction once most slots are dead keeps results intact', async () => {
    const rand = seededRandom(7).next
    const zipf = zipfSampler(200, 1, rand)
    const core = await loadRankingCore<string>()
    const ref = new ReferenceBm25()
    const ids: string[] = []
    for (let i = 0; i < 9000; i++) {
      const doc = Array.from({ length: 2 + Math.floor(rand() * 12) }, zipf)
      const id = `doc-${i}`
      core.bm25.add(id, doc)
      ref.add(i, doc)
      ids.push(id)
    }
    for (let i = 0; i < 8000; i++) {
      core.bm25.remove(ids[i]!)
      ref.remove(i)
    }
    const stats = core.bm25.stats()
    assert.equal(stats.docs, 1000)
    assert.ok(stats.slots < 9000, `slots were renumbered (${stats.slots})`)
    for (let q = 0; q < 30; q++) {
      const query = [zipf(), zipf()]
      const expected = ref.search(query, 10).map((h) => ({ id: `doc-${h.id}`, score: h.score }))
      assertSameRanking(core.bm25.search(query, 10), expected, 1e-9, `q${q}`)
    }
  })
})

function randomUnitVectors(n: number, dim: number, rand: () => number): Float32Array[] {
  const out: Float32Array[] = []
  for (let i = 0; i < n; i++) {
    const v = new Float32Array(dim)
    let norm = 0
    for (let j = 0; j < dim; j++) {
      v[j] = rand() * 2 - 1
      norm += v[j]! * v[j]!
    }
    norm = Math.sqrt(norm)
    for (let j = 0; j < dim; j++) v[j]! /= norm
    out.push(v)
  }
  return out
}

function bruteForce(rows: Map<number, Float32Array>, q: Float32Array, k: number, allow?: (id: number) => boolean): ScoredId<number>[] {
  const scored: ScoredId<number>[] = []
  for (const [id, v] of rows) {
    if (allow && !allow(id)) continue
    let s = 0
    for (let j = 0; j < q.length; j++) s += v[j]! * q[j]!
    scored.push({ id, score: s })
  }
  return scored.sort((a, b) => b.score - a.score).slice(0, k)
}

describe('vector scan', () => {
  for (const dim of [100, 256]) {
    test(`SIMD scan equals a brute-force JS scan (dim ${dim}), with deletes and filters`, async () => {
      const rand = seededRandom(dim).next
      const core = await loadRankingCore<number>()
      const vectors = randomUnitVectors(3000, dim, rand)
      const rows = new Map<number, Float32Array>()
      vectors.forEach((v, i) => {
        core.vectors.add(i, v)
        rows.set(i, v)
      })
      // delete a third, re-add some under new ids (rows are reused), overwrite a few
      for (let i = 0; i < 3000; i += 3) {
        assert.equal(core.vectors.remove(i), true)
        rows.delete(i)
      }
      randomUnitVectors(400, dim, rand).forEach((v, i) => {
        core.vectors.add(10_000 + i, v)
        rows.set(10_000 + i, v)
      })
      randomUnitVectors(20, dim, rand).forEach((v, i) => {
        core.vectors.add(1 + i * 3, v)
        rows.set(1 + i * 3, v)
      })
      assert.equal(core.vectors.size, rows.size)
      const session = new Set([...rows.keys()].filter((id) => id % 5 === 1))
      for (const q of randomUnitVectors(15, dim, rand)) {
        const expected = bruteForce(rows, q, 10)
        assertSameRanking(core.vectors.search(q, 10), expected, 1e-5, 'simd')
        assertSameRanking(core.vectors.searchScalar(q, 10), expected, 1e-5, 'scalar')
        const filtered = bruteForce(rows, q, 10, (id) => session.has(id))
        assertSameRanking(core.vectors.search(q, 10, session), filtered, 1e-5, 'set filter')
        assertSameRanking(core.vectors.search(q, 10, (id) => session.has(id)), filtered, 1e-5, 'predicate filter')
        assert.deepEqual(core.vectors.search(q, 10, []), [])
      }
      // a stored vector finds itself first with cosine 1
      const probe = rows.get(10_005)!
      const top = core.vectors.search(probe, 1)[0]!
      assert.equal(top.id, 10_005)
      assert.ok(Math.abs(top.score - 1) < 1e-5)
      assert.throws(() => core.vectors.search(new Float32Array(dim + 1), 5), RangeError)
      assert.throws(() => core.vectors.search([], 5), RangeError)
      assert.throws(() => core.vectors.add(-5, new Float32Array(dim - 1)), RangeError)
    })
  }
})

describe('bounded vector search (int8 copies, exact rescoring)', () => {
  // The default search must return exactly what scoring every row in f32 returns: same ids, same
  // order, same scores, whatever the data. These sets are built to make the int8 bounds work hard.
  const cases: [string, number, (rand: () => number, i: number) => Float32Array][] = [
    ['near-ties: one vector plus tiny noise', 64, (rand) => Float32Array.from({ length: 64 }, (_, j) => (j % 7) / 7 + (rand() - 0.5) * 1e-6)],
    ['unnormalised, magnitudes from 1e-4 to 1e3', 48, (rand, i) => Float32Array.from({ length: 48 }, () => (rand() - 0.5) * 10 ** ((i % 8) - 4))],
    ['one huge component per row (coarse int8 steps)', 33, (rand, i) => Float32Array.from({ length: 33 }, (_, j) => (j === i % 33 ? 50 : rand() - 0.5))],
    ['sparse rows, many exact duplicates', 256, (_, i) => Float32Array.from({ length: 256 }, (_, j) => (j === i % 5 || j === 200 ? 1 : 0))],
    ['3 dimensions', 3, (rand) => Float32Array.from({ length: 3 }, () => rand() - 0.5)],
    ['3072 dimensions', 3072, (rand) => Float32Array.from({ length: 3072 }, () => rand() - 0.5)],
  ]
  for (const [name, dim, row] of cases) {
    test(`equals the exhaustive f32 scan: ${name}`, async () => {
      const rand = seededRandom(dim * 31 + name.length).next
      const core = await loadRankingCore<number>()
      const count = dim > 1000 ? 600 : 3000
      for (let i = 0; i < count; i++) core.vectors.add(i, row(rand, i))
      for (let i = 0; i < count; i += 4) core.vectors.remove(i)
      for (let i = 1; i < count; i += 9) core.vectors.add(i, row(rand, i + 1))
      const session = new Set(Array.from({ length: count }, (_, i) => i).filter((i) => i % 3 === 1))
      const fewRows = new Set(Array.from({ length: count }, (_, i) => i).filter((i) => i % 20 === 7))
      // Sparse queries (the local embedder's: a few non-zero dimensions), some with one dimension
      // so dominant that the others quantise to zero codes while still counting in the exact score.
      const sparse = (nonZero: number, dominant: number): Float32Array => {
        const q = new Float32Array(dim)
        for (let i = 0; i < nonZero; i++) q[Math.floor(rand() * dim)] = (rand() - 0.5) * (i === 0 ? dominant : 1)
        return q
      }
      const sparseQueries = [sparse(1, 1), sparse(1, -1e-3), sparse(2, 1), sparse(5, 1), sparse(20, 1), sparse(8, 1e4), sparse(30, 300)]
      const queries = [...Array.from({ length: 12 }, (_, i) => row(rand, i * 13 + 5)), ...sparseQueries, Float32Array.from({ length: dim }, () => rand() - 0.5), new Float32Array(dim)]
      for (const q of queries) {
        for (const k of [1, 10, 30, count]) {
          assert.deepEqual(core.vectors.search(q, k), core.vectors.searchExhaustive(q, k), `k ${k}`)
          assert.deepEqual(core.vectors.search(q, k, session), core.vectors.searchExhaustive(q, k, session), `k ${k}, filtered`)
          assert.deepEqual(core.vectors.search(q, k, fewRows), core.vectors.searchExhaustive(q, k, fewRows), `k ${k}, one row in 20`)
        }
      }
    })
  }
})

describe('a core whose memory is past 2 GiB', () => {
  // wasm32 returns addresses as i32: above 2 GiB they reach JS negative unless read unsigned.
  test('vectors, filters and results still work (1M documents reach this)', async () => {
    const core = await loadRankingCore<number>()
    // 2 GiB of pages, never touched: the allocator grows past them, so what follows lands above.
    core.raw.memory.grow(2 ** 31 / 65536)
    const dim = 64
    const rand = seededRandom(2).next
    const vectors = randomUnitVectors(50, dim, rand)
    vectors.forEach((v, i) => core.vectors.add(i, v))
    assert.ok(core.raw.vecRow(0) >= 2 ** 31)
    assert.deepEqual(core.vectors.get(7), vectors[7])
    const top = core.vectors.search(vectors[3]!, 3, [1, 3, 5])
    assert.equal(top[0]!.id, 3)
    assert.deepEqual(top, core.vectors.searchExhaustive(vectors[3]!, 3, [1, 3, 5]))
    assert.deepEqual(core.topK(new Float32Array([0.1, 0.9, 0.5]), 2).map((hit) => hit.id), [1, 2])
  })
})

describe('RRF fusion and top-k', () => {
  const A = ['a', 'b', 'c']
  const B = ['c', 'd', 'a']
  const rrf = (alpha: number, va: number, vb: number): number => alpha / (60 + va) + (1 - alpha) / (60 + vb)

  test('alpha 0: pure BM25 ranks', async () => {
    const core = await loadRankingCore<string>()
    assert.deepEqual(core.fuse(A, B, { alpha: 0 }), [
      { id: 'c', score: rrf(0, 3, 1) },
      { id: 'd', score: rrf(0, 1000, 2) },
      { id: 'a', score: rrf(0, 1, 3) },
      { id: 'b', score: rrf(0, 2, 1000) },
    ])
    assert.equal(core.fuse(A, B, { alpha: 0 })[0]!.score, 1 / 61)
  })

  test('alpha 1: pure vector ranks', async () => {
    const core = await loadRankingCore<string>()
    assert.deepEqual(core.fuse(A, B, { alpha: 1 }), [
      { id: 'a', score: 1 / 61 },
      { id: 'b', score: 1 / 62 },
      { id: 'c', score: 1 / 63 },
      { id: 'd', score: 1 / 1060 },
    ])
  })

  test('alpha 0.5: equal sums tie, first appearance wins; topK truncates; alpha is clamped', async () => {
    const core = await loadRankingCore<string>()
    const fused = core.fuse(A, B, { alpha: 0.5 })
    assert.deepEqual(fused, [
      { id: 'a', score: rrf(0.5, 1, 3) },
      { id: 'c', score: rrf(0.5, 3, 1) },
      { id: 'b', score: rrf(0.5, 2, 1000) },
      { id: 'd', score: rrf(0.5, 1000, 2) },
    ])
    assert.ok(Math.abs(fused[0]!.score - (0.5 / 61 + 0.5 / 63)) < 1e-15)
    assert.deepEqual(core.fuse(A, B), fused)
    assert.deepEqual(core.fuse(A, B, { alpha: 0.5, topK: 2 }), fused.slice(0, 2))
    assert.deepEqual(core.fuse(A, B, { alpha: 7 }), core.fuse(A, B, { alpha: 1 }))
    assert.deepEqual(core.fuse([], []), [])
    assert.deepEqual(core.fuse(['x'], []), [{ id: 'x', score: rrf(0.5, 1, 1000) }])
  })

  test('top-k over a score array', async () => {
    const core = await loadRankingCore()
    assert.deepEqual(core.topK(new Float64Array([0.1, 0.9, 0.5, 0.9, -1]), 3), [
      { id: 1, score: 0.9 },
      { id: 3, score: 0.9 },
      { id: 2, score: 0.5 },
    ])
    assert.deepEqual(core.topK(new Float32Array([2, 1]), 10).map((h) => h.id), [0, 1])
    assert.deepEqual(core.topK(new Float32Array([]), 3), [])
  })
})

describe('timing (printed, not asserted)', () => {
  test('BM25 query latency at 100k generated docs', async (t) => {
    const rand = seededRandom(99).next
    const zipf = zipfSampler(50_000, 1.0, rand)
    const core: RankingCore<number> = await loadRankingCore<number>()
    const doc = new Uint32Array(80)
    let t0 = performance.now()
    for (let i = 0; i < 100_000; i++) {
      const len = 30 + Math.floor(rand() * 41) // ~50 words
      for (let j = 0; j < len; j++) doc[j] = zipf()
      core.bm25.add(i, doc.subarray(0, len))
    }
    const addMs = performance.now() - t0
    const queries = Array.from({ length: 300 }, () => [zipf(), zipf(), zipf()])
    for (const q of queries.slice(0, 20)) core.bm25.search(q, 10)
    const times: number[] = []
    for (const q of queries) {
      t0 = performance.now()
      core.bm25.search(q, 10)
      times.push(performance.now() - t0)
    }
    times.sort((a, b) => a - b)
    t0 = performance.now()
    for (let i = 0; i < 10_000; i++) core.bm25.remove(i)
    const removeMs = performance.now() - t0
    const msg = `BM25 100k docs × ~50 terms (Zipf, 50k vocab): add ${(addMs / 1000).toFixed(2)} s (${Math.round(100_000 / (addMs / 1000))} docs/s); 3-term query p50 ${times[150]!.toFixed(3)} ms, p99 ${times[297]!.toFixed(3)} ms; remove 10k docs ${removeMs.toFixed(0)} ms; wasm memory ${(core.memoryBytes() / 2 ** 20).toFixed(0)} MiB`
    t.diagnostic(msg)
    console.log(msg)
  })

  test('vector scan at 100k × 256: int8 + rescoring, f32 SIMD, scalar WASM, plain JS', async (t) => {
    const dim = 256
    const n = 100_000
    const rand = seededRandom(5).next
    const core = await loadRankingCore<number>({ dim })
    const flat = new Float32Array(n * dim)
    const v = new Float32Array(dim)
    for (let i = 0; i < n; i++) {
      let norm = 0
      for (let j = 0; j < dim; j++) {
        v[j] = rand() - 0.5
        norm += v[j]! * v[j]!
      }
      norm = Math.sqrt(norm)
      for (let j = 0; j < dim; j++) v[j]! /= norm
      flat.set(v, i * dim)
      core.vectors.add(i, v)
    }
    const queries = randomUnitVectors(30, dim, rand)
    const time = (fn: (q: Float32Array) => unknown): number => {
      fn(queries[0]!)
      const t0 = performance.now()
      for (const q of queries) fn(q)
      return (performance.now() - t0) / queries.length
    }
    const bounded = time((q) => core.vectors.search(q, 10))
    const simd = time((q) => core.vectors.searchExhaustive(q, 10))
    const scalar = time((q) => core.vectors.searchScalar(q, 10))
    const session = new Set(Array.from({ length: 5000 }, (_, i) => i * 20))
    const filtered = time((q) => core.vectors.search(q, 10, session))
    const js = time((q) => {
      const scores = new Float32Array(n)
      for (let i = 0; i < n; i++) {
        let s = 0
        const base = i * dim
        for (let j = 0; j < dim; j++) s += flat[base + j]! * q[j]!
        scores[i] = s
      }
      return core.topK(scores, 10)
    })
    const msg = `vector scan 100k × 256, top-10: WASM int8 scan + exact rescoring ${bounded.toFixed(2)} ms/query, WASM SIMD f32 scan ${simd.toFixed(2)} ms, WASM scalar ${scalar.toFixed(2)} ms, plain JS ${js.toFixed(2)} ms; SIMD with a 5k-id filter ${filtered.toFixed(2)} ms`
    t.diagnostic(msg)
    console.log(msg)
  })
})
