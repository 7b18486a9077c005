import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ensureWasm } from '../scripts/build-wasm.mjs'
import type { MemoryHit } from '../src/engine/memory/contract.js'
import { type FusedKey, mergeVariants } from '../src/engine/memory/hybrid.js'
import { QueryExpander, SYNONYM_GROUPS } from '../src/engine/memory/query-expansion.js'
import { MemoryStore } from '../src/engine/memory/store.js'
import { memoryConfig } from './support/schema-defaults.js'


const dirs: string[] = []
async function openStore(overrides: Parameters<typeof memoryConfig>[0] = {}): Promise<MemoryStore> {
  const dir = mkdtempSync(join(tmpdir(), 'agentor-memory-hybrid-'))
  dirs.push(dir)
  return MemoryStore.open(dir, memoryConfig(overrides), { fsync: false })
}

before(async () => {
  await ensureWasm()
})
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

const ids = (hits: MemoryHit[]): string[] => hits.map((hit) => hit.id)
const byId = (hits: MemoryHit[], id: string): MemoryHit => hits.find((hit) => hit.id === id) ?? assert.fail(`${id} not among ${ids(hits).join(', ')}`)

/**
 * A labelled corpus for "rust programming language": `keyword` repeats the rare word "rust" (BM25's
 * favourite), `semantic` shares two of the three words in a short text (the closest vector), the
 * three language tutorials sit in between, and `pasta` and `weather` are unrelated.
 */
const CORPUS = [
  { id: 'keyword', text: 'rust rust rust: borrow checker, lifetimes, ownership, traits, macros, cargo and crates' },
  { id: 'semantic', text: 'programming language design' },
  { id: 'python', text: 'python programming language tutorial for beginners' },
  { id: 'java', text: 'java programming language for enterprise applications' },
  { id: 'golang', text: 'go programming language and its concurrency model' },
  { id: 'pasta', text: 'cooking pasta with tomato sauce and basil' },
  { id: 'weather', text: 'the weather is sunny and warm today' },
]
const QUERY = 'rust programming language'

describe('hybrid ranking (RRF, k = 60, 3 × topK candidates per leg)', () => {
  let store: MemoryStore
  before(async () => {
    store = await openStore({ queryExpansion: false })
    await store.add(CORPUS)
  })
  after(() => store.close())

  test('alpha 0 is BM25 only: the keyword doc first, only keyword matches, in BM25 order; the vector leg is not run', async () => {
    const hits = await store.search(QUERY, { alpha: 0, topK: 7 })
    assert.deepEqual(ids(hits), ['keyword', 'semantic', 'python', 'java', 'golang'], 'pasta and weather share no word with the query')
    hits.forEach((hit, index) => {
      assert.equal(hit.explain.bm25Rank, index + 1)
      assert.equal(hit.score, 1 / (60 + index + 1))
      assert.equal(hit.explain.vectorRank, null)
    })
    const explained = await store.explain(QUERY, 'keyword', { alpha: 0, topK: 7 })
    assert.ok(explained.variants[0]!.vectorRank! > 1, 'store.explain still ranks both legs: the keyword doc is not the closest vector')
  })

  test('alpha 1 is vectors only: the semantically closest doc first, every doc in vector order; BM25 is not run', async () => {
    const hits = await store.search(QUERY, { alpha: 1, topK: 7 })
    assert.equal(hits[0]!.id, 'semantic')
    assert.equal(hits.length, 7)
    hits.forEach((hit, index) => {
      assert.equal(hit.explain.vectorRank, index + 1)
      assert.equal(hit.score, 1 / (60 + index + 1))
      assert.equal(hit.explain.bm25Rank, null)
    })
    assert.deepEqual(new Set(ids(hits).slice(-2)), new Set(['pasta', 'weather']), 'unrelated docs come last')
    assert.equal((await store.explain(QUERY, 'semantic', { alpha: 1 })).variants[0]!.bm25Rank, 2)
  })

  test('alpha 0.5 fuses both: semantic (ranks 1 and 2) beats keyword (ranks 5 and 1); unrelated docs last, every score > 0', async () => {
    const hits = await store.search(QUERY, { topK: 7 })
    assert.deepEqual(ids(hits).slice(0, 2), ['semantic', 'keyword'])
    assert.deepEqual(new Set(ids(hits).slice(-2)), new Set(['pasta', 'weather']))
    for (const hit of hits) {
      assert.ok(hit.score > 0)
      const { vectorRank, bm25Rank } = hit.explain
      assert.ok(Math.abs(hit.score - (0.5 / (60 + (vectorRank ?? 1000)) + 0.5 / (60 + (bm25Rank ?? 1000)))) < 1e-12, `${hit.id}: fused score`)
      assert.equal(hit.explain.fused, hit.score)
      assert.equal(hit.explain.query, QUERY)
    }
    const scores = hits.map((hit) => hit.score)
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a))
  })

  test('explain ranks agree with each leg on its own', async () => {
    const bm25 = await store.search(QUERY, { alpha: 0, topK: 7 })
    const vector = await store.search(QUERY, { alpha: 1, topK: 7 })
    const fused = await store.search(QUERY, { topK: 7 })
    const bm25Order = ids(bm25)
    const vectorOrder = ids(vector)
    for (const hit of fused) {
      assert.equal(hit.explain.bm25Rank, bm25Order.includes(hit.id) ? bm25Order.indexOf(hit.id) + 1 : null, `${hit.id} bm25`)
      assert.equal(hit.explain.vectorRank, vectorOrder.indexOf(hit.id) + 1, `${hit.id} vector`)
      assert.ok((hit.explain.bm25Score ?? 0) >= 0 && hit.explain.vectorScore !== null)
    }
    // Vector scores are cosines, best first.
    const cosines = vectorOrder.map((id) => byId(vector, id).explain.vectorScore!)
    assert.deepEqual(cosines, [...cosines].sort((a, b) => b - a))
    assert.ok(cosines[0]! <= 1 + 1e-6)
  })

  test('store.explain tells where a doc outside the top K stands', async () => {
    const outside = await store.explain(QUERY, 'weather', { topK: 2 })
    assert.equal(outside.rank, null)
    assert.equal(outside.variants.length, 1)
    const [variant] = outside.variants
    assert.equal(variant!.bm25Rank, null)
    assert.equal(variant!.vectorRank, 7)
    // Rank 7 is beyond the 6 candidates of topK 2, so it counts as missing in both legs.
    assert.equal(variant!.fused, 0.5 / 1060 + 0.5 / 1060)
    const inside = await store.explain(QUERY, 'semantic', { topK: 2 })
    assert.equal(inside.rank, 1)
    assert.equal(inside.variants[0]!.fused, (await store.search(QUERY, { topK: 2 }))[0]!.score)
    assert.deepEqual(await store.explain(QUERY, 'nope'), { id: 'nope', rank: null, variants: [] })
  })

  test('topK and candidates: fewer results than docs, empty and blank queries give none', async () => {
    assert.equal((await store.search(QUERY, { topK: 2 })).length, 2)
    assert.deepEqual(await store.search('', {}), [])
    assert.deepEqual(await store.search('   ', {}), [])
    const none = await store.search('zzzz qqqq', { alpha: 0, topK: 3 })
    assert.ok(none.every((hit) => hit.explain.bm25Rank === null))
  })
})

describe('query expansion (SPEC §19 groups, both directions)', () => {
  const expander = new QueryExpander()

  test('the ten groups, the original first, at most 5 queries', () => {
    assert.equal(SYNONYM_GROUPS.length, 10)
    assert.deepEqual(expander.expand('fix the error in auth'), ['fix the error in auth', 'fix the bug in auth', 'fix the issue in auth', 'fix the problem in auth', 'fix the exception in auth'])
    assert.deepEqual(expander.expand(''), [''])
    assert.deepEqual(expander.expand('hello world'), ['hello world'])
    assert.deepEqual(new QueryExpander([['fast', 'quick']]).expand('fast car'), ['fast car', 'quick car'])
  })

  test('a replacement expands back to its key and to the rest of its group', () => {
    assert.deepEqual(expander.expand('bug'), ['bug', 'error', 'issue', 'problem', 'exception'])
    assert.deepEqual(expander.expand('remove user'), ['remove user', 'delete user', 'drop user', 'destroy user', 'erase user'])
    assert.deepEqual(expander.expand('login'), ['login', 'auth', 'authentication', 'authorization'])
    assert.ok(expander.expand('the DB is slow').includes('the database is slow'), 'matched case-insensitively')
    assert.ok(expander.expand('an error, again').includes('an bug, again'), 'punctuation around a word is kept aside')
  })

  test('the store finds synonyms through the BM25 leg, both ways, and reports the variant that matched', async () => {
    const store = await openStore()
    try {
      await store.add([
        { id: 'error-doc', text: 'the scheduler raised an error at midnight' },
        { id: 'bug-doc', text: 'fixed a bug in the parser' },
        { id: 'other', text: 'quarterly sales figures' },
      ])
      const fromBug = await store.search('bug', { alpha: 0, topK: 3 })
      assert.equal(byId(fromBug, 'error-doc').explain.bm25Rank, 1)
      assert.equal(byId(fromBug, 'error-doc').explain.query, 'error')
      const fromError = await store.search('error', { alpha: 0, topK: 3 })
      assert.equal(byId(fromError, 'bug-doc').explain.bm25Rank, 1)
      assert.equal(byId(fromError, 'bug-doc').explain.query, 'bug')
      const plain = await store.search('bug', { alpha: 0, topK: 3, expand: false })
      assert.deepEqual(ids(plain), ['bug-doc'], 'without expansion "bug" does not match "error"')
      // Each doc appears once, with its best variant's score.
      assert.equal(new Set(ids(fromBug)).size, fromBug.length)
    } finally {
      await store.close()
    }
  })

  test('deduplication keeps the best score per id', () => {
    const hit = (key: number, score: number, query: string): FusedKey => ({ key, score, explain: { query, bm25Rank: null, bm25Score: null, vectorRank: null, vectorScore: null, fused: score } })
    const merged = mergeVariants([[hit(1, 0.5, 'a'), hit(2, 0.3, 'a')], [hit(1, 0.8, 'b'), hit(3, 0.1, 'b')]], 10)
    assert.deepEqual(merged.map((h) => [h.key, h.score, h.explain.query]), [[1, 0.8, 'b'], [2, 0.3, 'a'], [3, 0.1, 'b']])
    assert.equal(mergeVariants([[hit(1, 0.5, 'a'), hit(2, 0.3, 'a')]], 1).length, 1)
  })
})

describe('session isolation (both legs)', () => {
  let store: MemoryStore
  before(async () => {
    store = await openStore({ queryExpansion: false })
    await store.add([
      { id: 'shared', text: 'deploy checklist for the release' },
      { id: 'a-note', text: 'deploy notes from session a', session: 'a' },
      // Many strong matches in session b, so that a's docs lie far down both legs' unfiltered lists.
      ...Array.from({ length: 60 }, (_, i) => ({ id: `b-${i}`, text: `deploy deploy deploy release checklist ${i}`, session: 'b' })),
    ])
  })
  after(() => store.close())

  for (const alpha of [0, 0.5, 1]) {
    test(`alpha ${alpha}: a session sees shared docs and its own, never another session's`, async () => {
      const forA = await store.search('deploy release checklist', { session: 'a', alpha, topK: 5 })
      assert.deepEqual(new Set(ids(forA)), new Set(['shared', 'a-note']))
      for (const hit of forA) assert.ok(hit.session === undefined || hit.session === 'a')
      if (alpha < 1) assert.equal(byId(forA, 'shared').explain.bm25Rank, 1, 'the BM25 leg is filtered, not just the fused list')
      if (alpha > 0) assert.ok(byId(forA, 'a-note').explain.vectorRank! <= 2, 'the vector leg is filtered too')
      const forB = await store.search('deploy release checklist', { session: 'b', alpha, topK: 5 })
      assert.ok(ids(forB).every((id) => id === 'shared' || id.startsWith('b-')))
      const anonymous = await store.search('deploy', { alpha, topK: 5 })
      assert.deepEqual(ids(anonymous), ['shared'])
      const admin = await store.search('deploy release checklist', { alpha, topK: 70, allSessions: true })
      assert.equal(admin.length, 62)
    })
  }

  test('explain honours the session too', async () => {
    assert.deepEqual((await store.explain('deploy', 'b-1', { session: 'a' })).variants, [])
    assert.equal((await store.explain('deploy notes', 'a-note', { session: 'a' })).rank, 1)
  })
})
