// The native FAISS addon as scripts/build-faiss.sh builds it (faiss-node 0.5.1 + agentor's patch in
// native/faiss-node/, against Debian's libfaiss-dev 1.7.3), through src/engine/memory/vector/faiss-binding.ts.
// Skipped with the loader's reason when the addon is not built, except under CI, where it must be.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { FaissMetric, loadFaiss, type FaissModule } from '../src/engine/memory/vector/faiss-binding.js'
import { seededRandom } from './support/random.js'

const loaded = loadFaiss()
const required = Boolean(process.env.CI)
const unavailable = loaded.faiss ? false : `native FAISS unavailable: ${loaded.reason}`


function randomVectors(n: number, d: number, seed: number): Float32Array {
  const r = seededRandom(seed).next
  const x = new Float32Array(n * d)
  for (let i = 0; i < x.length; i++) x[i] = r() - 0.5
  return x
}

/** Exact top-k by brute force in float64: for IP the largest dot products, for L2 the smallest squared distances. */
function bruteForce(x: Float32Array, q: Float32Array, d: number, k: number, metric: 'ip' | 'l2'): { labels: number[][]; scores: number[][]; score: (qi: number, id: number) => number } {
  const n = x.length / d
  const score = (qi: number, id: number): number => {
    let s = 0
    for (let j = 0; j < d; j++) {
      const a = q[qi * d + j]!
      const b = x[id * d + j]!
      s += metric === 'ip' ? a * b : (a - b) * (a - b)
    }
    return s
  }
  const labels: number[][] = []
  const scores: number[][] = []
  for (let qi = 0; qi < q.length / d; qi++) {
    const all = Array.from({ length: n }, (_, id) => ({ id, s: score(qi, id) }))
    all.sort((a, b) => (metric === 'ip' ? b.s - a.s : a.s - b.s))
    labels.push(all.slice(0, k).map((e) => e.id))
    scores.push(all.slice(0, k).map((e) => e.s))
  }
  return { labels, scores, score }
}

function recallAtK(truth: Float64Array, found: Float64Array, nq: number, k: number): number {
  let hits = 0
  for (let i = 0; i < nq; i++) {
    const want = new Set(truth.subarray(i * k, (i + 1) * k))
    for (let j = 0; j < k; j++) if (want.has(found[i * k + j]!)) hits++
  }
  return hits / (nq * k)
}

test('the native FAISS addon loads (required under CI)', { skip: required ? false : unavailable }, () => {
  assert.ok(loaded.faiss, `loadFaiss() failed: ${loaded.reason}`)
  assert.equal(loaded.reason, undefined)
  assert.equal(loadFaiss(), loaded, 'cached')
})

describe('native FAISS addon (faiss-node, patched)', { skip: unavailable }, () => {
  const faiss = loaded.faiss as FaissModule

  for (const metric of ['ip', 'l2'] as const) {
    test(`flat ${metric === 'ip' ? 'inner product' : 'L2'} search equals a brute-force scan`, () => {
      const d = 24
      const k = 10
      const x = randomVectors(3000, d, metric === 'ip' ? 1 : 2)
      const q = randomVectors(25, d, metric === 'ip' ? 3 : 4)
      const index = metric === 'ip' ? new faiss.IndexFlatIP(d) : faiss.Index.fromFactory(d, 'Flat', FaissMetric.L2)
      index.add(x)
      assert.equal(index.ntotal(), 3000)
      assert.equal(index.getDimension(), d)
      const { distances, labels } = index.search(q, k)
      const truth = bruteForce(x, q, d, k, metric)
      for (let qi = 0; qi < 25; qi++) {
        for (let r = 0; r < k; r++) {
          const got = labels[qi * k + r]!
          const want = truth.labels[qi]![r]!
          const tol = 1e-4 * Math.max(1, Math.abs(truth.scores[qi]![r]!))
          assert.ok(Math.abs(distances[qi * k + r]! - truth.scores[qi]![r]!) <= tol, `query ${qi} rank ${r}: distance ${distances[qi * k + r]} vs ${truth.scores[qi]![r]}`)
          // A different label is only acceptable for a float32 tie.
          if (got !== want) assert.ok(Math.abs(truth.score(qi, got) - truth.score(qi, want)) <= tol, `query ${qi} rank ${r}: label ${got} vs ${want}`)
        }
      }
      // The upstream plain-Array path gives the same answer, as plain Arrays.
      const plain = index.search(Array.from(q.subarray(0, d)), k)
      assert.ok(Array.isArray(plain.labels) && Array.isArray(plain.distances))
      assert.deepEqual(plain.labels, Array.from(labels.subarray(0, k)))
    })
  }

  test('typed arrays: Float32Array views in, Float32Array/Float64Array out; bad input is a JS error', () => {
    const d = 8
    const backing = randomVectors(101, d, 5)
    const x = backing.subarray(d) // byteOffset > 0: 100 vectors
    const index = new faiss.IndexFlatL2(d)
    index.add(x)
    assert.equal(index.ntotal(), 100)
    const res = index.search(x.subarray(7 * d, 9 * d), 3) // vectors 7 and 8 find themselves first
    assert.ok(res.distances instanceof Float32Array)
    assert.ok(res.labels instanceof Float64Array)
    assert.equal(res.labels.length, 6)
    assert.equal(res.labels[0], 7)
    assert.equal(res.labels[3], 8)
    assert.equal(res.distances[0], 0)
    index.add([...backing.subarray(0, d)]) // plain arrays still work
    assert.equal(index.ntotal(), 101)
    assert.throws(() => index.add(new Float64Array(d) as unknown as Float32Array), { name: 'TypeError', message: /Float32Array/ })
    assert.throws(() => index.add(new Float32Array(d + 1)), /array length/)
    assert.throws(() => index.search(new Float32Array(d), 1000), /greater than `ntotal`/)
  })

  describe('search parameters change recall (20k × 64 random vectors, recall@10 of 200 queries)', () => {
    const d = 64
    const n = 20_000
    const nq = 200
    const k = 10
    const x = randomVectors(n, d, 11)
    const noise = seededRandom(12).next
    const q = new Float32Array(nq * d)
    for (let i = 0; i < nq; i++) {
      const src = Math.floor(noise() * n)
      for (let j = 0; j < d; j++) q[i * d + j] = x[src * d + j]! + 0.1 * (noise() - 0.5)
    }
    let truth: Float64Array | undefined
    const groundTruth = (): Float64Array => {
      if (!truth) {
        const flat = new faiss.IndexFlatL2(d)
        flat.add(x)
        truth = flat.search(q, k).labels
      }
      return truth
    }

    test('efSearch on HNSW32 (also through an IDMap wrapper)', (t) => {
      const hnsw = faiss.Index.fromFactory(d, 'HNSW32,Flat')
      hnsw.add(x)
      const recall = (ef: number): number => {
        hnsw.setSearchParameter('efSearch', ef)
        return recallAtK(groundTruth(), hnsw.search(q, k).labels, nq, k)
      }
      const low = recall(16)
      const high = recall(256)
      t.diagnostic(`recall@10: efSearch 16 → ${low}, efSearch 256 → ${high}`)
      assert.ok(high >= 0.95, `recall@10 at efSearch 256 = ${high}`)
      assert.ok(high > low, `efSearch 256 (${high}) should beat efSearch 16 (${low})`)
      assert.throws(() => hnsw.setSearchParameter('nprobe', 4), /could not set parameter nprobe/)

      const wrapped = faiss.Index.fromFactory(d, 'IDMap,HNSW32,Flat')
      wrapped.setSearchParameter('efSearch', 64) // reaches the HNSW inside the IDMap
    })

    test('efConstruction reaches the HNSW inside an IDMap2 wrapper: a poorer graph when lower', (t) => {
      const recall = (efConstruction: number): number => {
        const index = faiss.Index.fromFactory(d, 'IDMap2,HNSW32,Flat')
        index.setSearchParameter('efConstruction', efConstruction)
        index.addWithIds(x, Float64Array.from({ length: x.length / d }, (_, i) => i))
        index.setSearchParameter('efSearch', 16)
        return recallAtK(groundTruth(), index.search(q, k).labels, nq, k)
      }
      const low = recall(2)
      const high = recall(80)
      t.diagnostic(`recall@10 at efSearch 16: efConstruction 2 → ${low}, 80 → ${high}`)
      assert.ok(high > low, `efConstruction 80 (${high}) should beat efConstruction 2 (${low})`)
    })

    test('k_factor_rf on PQ fast-scan refined by SQfp16, inside an IDMap2: labels are the ids', (t) => {
      const index = faiss.Index.fromFactory(d, 'IDMap2,PQ16x4fs,Refine(SQfp16)')
      assert.equal(index.isTrained(), false)
      index.train(x)
      index.addWithIds(x, Float64Array.from({ length: n }, (_, i) => 3 * i + 1))
      const recall = (kFactor: number): number => {
        index.setSearchParameter('k_factor_rf', kFactor)
        return recallAtK(groundTruth(), index.search(q, k).labels.map((id) => (id - 1) / 3), nq, k)
      }
      const r1 = recall(1)
      const r100 = recall(100)
      t.diagnostic(`recall@10: k_factor_rf 1 → ${r1}, 100 → ${r100}`)
      assert.ok(r100 > r1, `k_factor_rf 100 (${r100}) should beat 1 (${r1})`)
      assert.ok(r100 >= 0.95, `recall@10 at k_factor_rf 100 = ${r100}`)
      assert.throws(() => index.removeIds([1]), /not implemented/)
    })

    test('nprobe on IVF64,Flat', (t) => {
      const ivf = faiss.Index.fromFactory(d, 'IVF64,Flat')
      assert.equal(ivf.isTrained(), false)
      ivf.train(x)
      assert.equal(ivf.isTrained(), true)
      ivf.add(x)
      const recall = (nprobe: number): number => {
        ivf.setSearchParameter('nprobe', nprobe)
        return recallAtK(groundTruth(), ivf.search(q, k).labels, nq, k)
      }
      const r1 = recall(1)
      const r16 = recall(16)
      const r64 = recall(64)
      t.diagnostic(`recall@10: nprobe 1 → ${r1}, 16 → ${r16}, 64 → ${r64}`)
      assert.ok(r1 < r16 && r16 < r64, `recall should grow with nprobe: 1 → ${r1}, 16 → ${r16}, 64 → ${r64}`)
      assert.ok(r64 >= 0.95, `recall@10 at nprobe 64 = ${r64}`)
    })
  })

  test('write/read and toBuffer/fromBuffer round trips keep vectors and ids', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentor-faiss-'))
    try {
      const d = 16
      const x = randomVectors(500, d, 21)
      const ids = Float64Array.from({ length: 500 }, (_, i) => 1_000_000 + 3 * i)
      const index = faiss.Index.fromFactory(d, 'IDMap2,Flat', FaissMetric.INNER_PRODUCT)
      index.addWithIds(x, ids)
      const q = x.subarray(0, 5 * d)
      const before = index.search(q, 4)
      const file = join(dir, 'index.faiss')
      index.write(file)
      for (const copy of [faiss.Index.read(file), faiss.Index.fromBuffer(index.toBuffer())]) {
        assert.equal(copy.ntotal(), 500)
        assert.equal(copy.getDimension(), d)
        const after = copy.search(q, 4)
        assert.deepEqual(after.labels, before.labels)
        assert.deepEqual(after.distances, before.distances)
      }
      assert.throws(() => faiss.Index.read(join(dir, 'missing.faiss')), /could not open/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('removeIds with custom ids on IDMap2,Flat; HNSW refuses with a JS error', () => {
    const d = 12
    const n = 200
    const x = randomVectors(n, d, 31)
    const index = faiss.Index.fromFactory(d, 'IDMap2,Flat')
    // Custom ids, half as Float64Array and half as BigInt64Array.
    index.addWithIds(x.subarray(0, 100 * d), Float64Array.from({ length: 100 }, (_, i) => 5000 + i))
    index.addWithIds(x.subarray(100 * d), BigInt64Array.from({ length: 100 }, (_, i) => BigInt(5100 + i)))
    assert.equal(index.ntotal(), n)
    const own = (i: number): number => index.search(x.subarray(i * d, (i + 1) * d), 1).labels[0]!
    assert.equal(own(3), 5003)
    assert.equal(own(150), 5150)

    const removed = index.search(x.subarray(3 * d, 4 * d), 1).labels // pass labels straight back
    assert.equal(index.removeIds(removed), 1)
    assert.equal(index.removeIds([5150, 5151, 999_999]), 2)
    assert.equal(index.removeIds(BigInt64Array.of(5151n)), 0, 'already gone')
    assert.equal(index.ntotal(), n - 3)
    const all = index.search(x, n - 3).labels
    for (const gone of [5003, 5150, 5151]) assert.ok(!all.includes(gone), `${gone} still returned`)
    assert.equal(own(4), 5004, 'the other ids are kept, not renumbered')
    assert.equal(own(199), 5199)
    // More than 16 ids take the hash-set selector path.
    const many = Float64Array.from({ length: 40 }, (_, i) => 5010 + i)
    assert.equal(index.removeIds(many), 40)
    assert.equal(index.ntotal(), n - 43)
    assert.equal(own(9), 5009)
    assert.equal(own(50), 5050)
    assert.ok(!index.search(x, n - 43).labels.some((id) => id >= 5010 && id < 5050))

    assert.throws(() => index.add(x.subarray(0, d)), /add_with_ids/, 'an IDMap needs explicit ids')
    assert.throws(() => index.addWithIds(x.subarray(0, 2 * d), [1]), /Expected 2 ids/)
    assert.throws(() => index.addWithIds(x.subarray(0, d), [-5]), /non-negative safe integer/)
    assert.throws(() => index.addWithIds(x.subarray(0, d), [2 ** 53]), /safe integer/)

    const hnsw = faiss.Index.fromFactory(d, 'IDMap,HNSW32,Flat')
    hnsw.addWithIds(x, Float64Array.from({ length: n }, (_, i) => 10 * i))
    assert.equal(hnsw.search(x.subarray(5 * d, 6 * d), 1).labels[0], 50)
    assert.throws(() => hnsw.removeIds([50]), /remove_ids not implemented/)
    assert.equal(hnsw.ntotal(), n, 'the process survives and the index is intact')

    assert.throws(() => new faiss.IndexFlatL2(d).setSearchParameter('efSearch', 8), /could not set parameter efSearch/)
    assert.throws(() => new faiss.IndexFlatL2(d).addWithIds(x.subarray(0, d), [1]), /add_with_ids not implemented/)
  })

  test('loadFaiss reports why instead of throwing', () => {
    assert.match(loadFaiss({ moduleId: 'faiss-node-does-not-exist' }).reason ?? '', /not installed/)
    const saved = process.env.AGENTOR_FAISS
    process.env.AGENTOR_FAISS = 'off'
    try {
      const off = loadFaiss({ moduleId: 'faiss-node' })
      assert.equal(off.faiss, undefined)
      assert.match(off.reason ?? '', /AGENTOR_FAISS=off/)
    } finally {
      if (saved === undefined) delete process.env.AGENTOR_FAISS
      else process.env.AGENTOR_FAISS = saved
    }
  })
})
