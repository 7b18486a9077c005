import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, truncateSync, appendFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { ensureWasm } from '../scripts/build-wasm.mjs'
import { AgentorError } from '../src/engine/errors.js'
import type { EmbedOptions, Embedder, MemoryHit, NativeIndexFile, NewDocument } from '../src/engine/memory/contract.js'
import { loadRankingCore } from '../src/engine/memory/core/ranking-core.js'
import { createEmbedder } from '../src/engine/memory/embedders/create.js'
import { MemoryStore } from '../src/engine/memory/store.js'
import { loadFaiss } from '../src/engine/memory/vector/faiss-binding.js'
import { FaissVectorIndex } from '../src/engine/memory/vector/faiss-index.js'
import { WasmVectorIndex } from '../src/engine/memory/vector/wasm-index.js'
import { createMemorySkills } from '../src/engine/skills/builtins/memory-store.js'
import { skillContext } from './support/skill-context.js'
import { seededRandom, zipfSampler } from './support/random.js'
import { memoryConfig } from './support/schema-defaults.js'


/** An embedder (by default the one memory.embedder's defaults give), counting what it is asked to embed. */
class CountingEmbedder implements Embedder {
  calls = 0
  texts = 0
  constructor(private readonly inner: Embedder = createEmbedder(memoryConfig().embedder)) {}
  get id(): string {
    return this.inner.id
  }
  get dimension(): number | undefined {
    return this.inner.dimension
  }
  async embed(texts: readonly string[], options?: EmbedOptions): Promise<Float32Array[]> {
    this.calls++
    this.texts += texts.length
    return this.inner.embed(texts, options)
  }
}

const root = fileURLToPath(new URL('..', import.meta.url))
const dirs: string[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentor-memory-'))
  dirs.push(dir)
  return dir
}

before(async () => {
  await ensureWasm()
})
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})


const WORDS = 'deploy release rollback database schema migration error bug login token cache latency queue worker cron backup restore index search vector memory agent model prompt budget invoice customer report metric alert pager incident'.split(' ')

/** Deterministic docs of 8–20 words from WORDS. */
function corpus(n: number, seed = 1, prefix = 'doc'): NewDocument[] {
  const random = seededRandom(seed).next
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}-${i}`,
    text: Array.from({ length: 8 + Math.floor(random() * 13) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' '),
    metadata: { n: i },
  }))
}

/** `n` documents of 40–80 words drawn Zipf-wise (s = 1) from 5,000 pseudo-words: the benchmark's corpus, smaller. */
function zipfCorpus(n: number, seed: number): NewDocument[] {
  const syllables = ['ka', 'lo', 'mi', 'ren', 'sta', 'vu', 'dor', 'pe', 'qui', 'zan', 'tor', 'bel', 'nu', 'fi', 'gar']
  const word = (i: number): string => (i < syllables.length ? syllables[i]! : word(Math.floor(i / syllables.length) - 1)) + syllables[i % syllables.length]!
  const random = seededRandom(seed)
  const draw = zipfSampler(5000, 1, random.next)
  return Array.from({ length: n }, (_, i) => ({ id: `z-${i}`, text: Array.from({ length: random.int(40, 80) }, () => word(draw() + syllables.length)).join(' ') }))
}

const QUERIES = ['deploy rollback', 'database migration error', 'login token cache', 'incident pager alert', 'vector search memory']

async function snapshotResults(store: MemoryStore, sessions: (string | undefined)[] = [undefined]): Promise<MemoryHit[][]> {
  const out: MemoryHit[][] = []
  for (const session of sessions) for (const query of QUERIES) out.push(await store.search(query, { topK: 8, session }))
  return out
}

/** The same hits, ranks and fused scores; cosines equal up to float32 rounding (FAISS sums in another order). */
function assertSameHits(actual: MemoryHit[][], expected: MemoryHit[][], message?: string): void {
  const strip = (lists: MemoryHit[][]) => lists.map((hits) => hits.map(({ explain: { vectorScore: _v, ...explain }, ...hit }) => ({ ...hit, explain })))
  assert.deepEqual(strip(actual), strip(expected), message)
  actual.forEach((hits, i) => hits.forEach((hit, j) => assert.ok(Math.abs((hit.explain.vectorScore ?? 0) - (expected[i]![j]!.explain.vectorScore ?? 0)) < 1e-5)))
}

describe('MemoryStore: documents', () => {
  test('add, get, upsert (replaces, keeps createdAt), delete', async () => {
    const store = await MemoryStore.open(tempDir(), memoryConfig())
    try {
      const [generated] = await store.add({ text: 'the deploy runbook lives in the wiki', metadata: { topic: 'ops' } })
      assert.match(generated!, /^[0-9a-f]{12}$/)
      await store.add([{ id: 'a', text: 'rollback steps for the database' }, { id: 'b', text: 'lunch menu for friday', session: 's1' }])
      assert.equal(store.size, 3)
      const a = store.get('a')!
      assert.deepEqual({ id: a.id, text: a.text, metadata: a.metadata }, { id: 'a', text: 'rollback steps for the database', metadata: {} })
      assert.equal(a.createdAt, a.updatedAt)
      assert.equal(store.get('b')!.session, 's1')
      const meta = store.get(generated!)!.metadata
      meta.topic = 'changed'
      assert.equal(store.get(generated!)!.metadata.topic, 'ops', 'get returns a copy')

      await assert.rejects(store.add({ id: 'a', text: 'again' }), (error: unknown) => error instanceof AgentorError && error.code === 'E_MEMORY_DUPLICATE')
      assert.equal(store.get('a')!.text, 'rollback steps for the database')

      await new Promise((resolve) => setTimeout(resolve, 5))
      await store.upsert({ id: 'a', text: 'restore the nightly backup', metadata: { v: 2 } })
      const replaced = store.get('a')!
      assert.equal(replaced.text, 'restore the nightly backup')
      assert.equal(replaced.createdAt, a.createdAt)
      assert.ok(replaced.updatedAt > a.updatedAt)
      assert.equal(store.size, 3)
      const afterUpsert = await store.search('rollback database', { topK: 3, alpha: 0 })
      assert.ok(afterUpsert.every((hit) => hit.id !== 'a' || hit.explain.bm25Rank === null), 'the old text is gone from BM25')
      assert.equal((await store.search('nightly backup', { topK: 1 }))[0]!.id, 'a')

      assert.equal(await store.delete(['a', 'missing']), 1)
      assert.equal(await store.delete('a'), 0)
      assert.equal(store.get('a'), undefined)
      assert.ok(!(await store.search('nightly backup restore', { topK: 5, allSessions: true })).some((hit) => hit.id === 'a'), 'deleted from both legs')
      assert.equal(store.size, 2)
    } finally {
      await store.close()
    }
  })

  test('bad input is refused before anything is written', async () => {
    const store = await MemoryStore.open(tempDir(), memoryConfig())
    try {
      const refused = async (input: Parameters<MemoryStore['add']>[0], pattern: RegExp, upsert = false): Promise<void> => {
        await assert.rejects(upsert ? store.upsert(input) : store.add(input), (error: unknown) => error instanceof AgentorError && error.code === 'E_MEMORY_INPUT' && pattern.test(error.message))
      }
      await refused({ text: '  ' }, /non-empty text/)
      await refused({ text: 'no id' }, /needs an id/, true)
      await refused([{ id: 'x', text: 'one' }, { id: 'x', text: 'two' }], /repeats the id 'x'/)
      await refused({ text: 'meta', metadata: [] as unknown as Record<string, unknown> }, /not an object/)
      await refused({ text: 'meta', metadata: { big: 1n } }, /not JSON/)
      await refused({ text: 'scope', session: '' }, /invalid session/)
      assert.equal(store.size, 0)
      assert.equal(store.stats().logBytes, 0)
    } finally {
      await store.close()
    }
  })

  test('one process at a time: a second open is refused, a dead owner\'s lock is taken over', async () => {
    const dir = tempDir()
    const store = await MemoryStore.open(dir, memoryConfig())
    await assert.rejects(MemoryStore.open(dir, memoryConfig()), (error: unknown) => error instanceof AgentorError && error.code === 'E_MEMORY_LOCKED')
    await store.close()
    await assert.rejects(store.add({ text: 'late' }), /closed/)
    writeFileSync(join(dir, 'LOCK'), '999999999')
    const again = await MemoryStore.open(dir, memoryConfig())
    await again.close()
    assert.ok(!existsSync(join(dir, 'LOCK')))
  })
})

describe('MemoryStore: one tokenisation for both legs', () => {
  const docs = [...corpus(300, 7), { id: 'unicode', text: 'Café naïve façade — déjà vu, Straße; Ελληνικά και 日本語' }, { id: 'mixed', text: 'rollback the déploiement of the database schema' }]

  test('the default store (BM25 and the embedder sharing one lexicon) ranks exactly as one tokenising per leg', async () => {
    const shared = await MemoryStore.open(tempDir(), memoryConfig())
    // A wrapped embedder is opaque to the store, so each leg tokenises the texts itself.
    const separate = await MemoryStore.open(tempDir(), memoryConfig(), { embedder: new CountingEmbedder() })
    try {
      await shared.add(docs)
      await separate.add(docs)
      for (const alpha of [0, 0.5, 1]) {
        for (const query of [...QUERIES, 'déjà vu Straße', 'schema rollback déploiement']) {
          assert.deepEqual(await shared.search(query, { topK: 10, alpha }), await separate.search(query, { topK: 10, alpha }), `${query} at alpha ${alpha}`)
        }
      }
      assert.deepEqual(shared.stats().bm25, separate.stats().bm25)
    } finally {
      await shared.close()
      await separate.close()
    }
  })

  test('words seen only in queries (which the embedder also reads) do not become BM25 terms', async () => {
    const store = await MemoryStore.open(tempDir(), memoryConfig())
    try {
      await store.add(docs.slice(0, 50))
      const terms = store.stats().bm25.terms
      await store.search('zyzzyva quixotic deploy', { topK: 5 })
      assert.equal(store.stats().bm25.terms, terms)
      await store.add({ id: 'later', text: 'a quixotic deploy' })
      assert.equal(store.stats().bm25.terms, terms + 1)
      assert.equal((await store.search('quixotic', { topK: 1, alpha: 0 }))[0]?.id, 'later')
    } finally {
      await store.close()
    }
  })
})

describe('MemoryStore: persistence', () => {
  test('reopening gives identical results without embedding the documents again', async () => {
    const dir = tempDir()
    const first = new CountingEmbedder()
    const store = await MemoryStore.open(dir, memoryConfig(), { embedder: first })
    await store.add(corpus(150, 1))
    await store.add(corpus(50, 2, 'scoped').map((doc, i) => ({ ...doc, session: i % 2 ? 'odd' : 'even' })))
    await store.upsert([{ id: 'doc-3', text: 'rewritten: deploy the rollback worker' }, { id: 'doc-7', text: 'rewritten: incident alert pager', session: 'odd' }])
    await store.delete(['doc-10', 'doc-11', 'scoped-4'])
    const sessions = [undefined, 'odd', 'even']
    assert.equal(first.texts, 202)
    const before = await snapshotResults(store, sessions)
    await store.close()

    const counting = new CountingEmbedder()
    const reopened = await MemoryStore.open(dir, memoryConfig(), { embedder: counting })
    assert.equal(counting.texts, 0, 'nothing embedded on open')
    assert.equal(reopened.size, 197)
    assert.deepEqual(await snapshotResults(reopened, sessions), before)
    assert.equal(counting.calls, QUERIES.length * sessions.length, 'only the queries are embedded')

    // Compact, write more, restart: snapshot + log.
    await reopened.compact()
    assert.ok(reopened.stats().snapshotBytes > 0)
    assert.equal(reopened.stats().logBytes, 0)
    await reopened.add(corpus(20, 3, 'late'))
    await reopened.delete('doc-20')
    const later = await snapshotResults(reopened, sessions)
    await reopened.close()
    const third = new CountingEmbedder()
    const again = await MemoryStore.open(dir, memoryConfig(), { embedder: third })
    assert.equal(third.texts, 0)
    assert.deepEqual(await snapshotResults(again, sessions), later)
    await again.close()
    assert.deepEqual(readdirSync(dir).sort(), ['log.1.bin', 'snapshot.bin'])
  })

  test('the log is compacted on close once sizeable; older files are removed', async () => {
    const dir = tempDir()
    const store = await MemoryStore.open(dir, memoryConfig(), { fsync: false })
    await store.add(corpus(1500, 4))
    assert.ok(store.stats().logBytes > 1 << 20)
    await store.close()
    assert.deepEqual(readdirSync(dir).sort(), ['snapshot.bin'])
    const reopened = await MemoryStore.open(dir, memoryConfig())
    assert.equal(reopened.size, 1500)
    assert.equal(reopened.stats().logBytes, 0)
    await reopened.close()
  })

  test('a record torn by a crash is cut off with a notice; everything before it survives', async () => {
    const dir = tempDir()
    const store = await MemoryStore.open(dir, memoryConfig())
    await store.add(corpus(30, 5, 'first'))
    await store.add(corpus(30, 6, 'second'))
    await store.close()
    const log = join(dir, 'log.0.bin')
    const size = statSync(log).size
    truncateSync(log, size - 100) // inside the last record of the second batch

    const notices: string[] = []
    const reopened = await MemoryStore.open(dir, memoryConfig(), { onNotice: (message) => notices.push(message) })
    assert.equal(reopened.size, 59)
    assert.equal(reopened.get('second-29'), undefined)
    assert.equal(reopened.get('second-28')!.text, corpus(30, 6, 'second')[28]!.text)
    assert.match(notices.join('\n'), /cut off by a crash, or damaged/)
    assert.ok(existsSync(join(dir, 'log.0.damaged')))
    assert.equal((await reopened.search('deploy', { topK: 100, alpha: 0 })).length > 0, true)
    await reopened.add({ id: 'after', text: 'written after the crash' })
    await reopened.close()

    // Garbage after the last record (a crash that extended the file with zeros) is handled the same way.
    appendFileSync(join(dir, 'log.0.bin'), Buffer.alloc(300))
    const notices2: string[] = []
    const third = await MemoryStore.open(dir, memoryConfig(), { onNotice: (message) => notices2.push(message) })
    assert.equal(third.size, 60)
    assert.equal(third.get('after')!.text, 'written after the crash')
    assert.equal(notices2.length, 1)
    await third.close()
    const fourth = await MemoryStore.open(dir, memoryConfig(), { onNotice: (message) => assert.fail(`unexpected notice: ${message}`) })
    assert.equal(fourth.size, 60)
    await fourth.close()
  })

  test('a process killed mid-ingest leaves a readable store holding every acknowledged batch', async () => {
    const dir = tempDir()
    const script = join(dir, 'ingest-child.mts')
    writeFileSync(script, `
      import { MemoryStore } from ${JSON.stringify(join(root, 'src/engine/memory/store.ts'))}
      const [dir, config] = [process.argv[2], JSON.parse(process.argv[3])]
      const store = await MemoryStore.open(dir, config)
      const words = ${JSON.stringify(WORDS)}
      for (let batch = 0; batch < 100000; batch++) {
        const docs = Array.from({ length: 300 }, (_, i) => ({ id: 'b' + batch + '-' + i, text: words.slice((batch + i) % 20, (batch + i) % 20 + 10).join(' ') + ' ' + batch + ' ' + i }))
        await store.add(docs)
        process.stdout.write('acked ' + batch + '\\n')
      }
    `)
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir, JSON.stringify(memoryConfig())], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
    let acked = -1
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject)
      child.on('exit', () => resolve())
      child.stdout.setEncoding('utf8')
      child.stdout.on('data', (chunk: string) => {
        for (const match of chunk.matchAll(/acked (\d+)/g)) acked = Math.max(acked, Number(match[1]))
        if (acked >= 4) child.kill('SIGKILL')
      })
    })
    assert.ok(acked >= 4, 'the child acknowledged batches before it was killed')
    assert.ok(existsSync(join(dir, 'LOCK')), 'the killed process left its lock')

    const notices: string[] = []
    const store = await MemoryStore.open(dir, memoryConfig(), { onNotice: (message) => notices.push(message) })
    try {
      for (let batch = 0; batch <= acked; batch++) {
        for (const i of [0, 150, 299]) assert.ok(store.get(`b${batch}-${i}`), `b${batch}-${i} survives`)
      }
      assert.ok(store.size >= (acked + 1) * 300)
      const hits = await store.search('deploy release', { topK: 5 })
      assert.equal(hits.length, 5)
      for (const hit of hits) assert.equal(store.get(hit.id)!.text, hit.text)
    } finally {
      await store.close()
    }
  })

  test('a store written by another embedder is refused, or re-embedded on request', async () => {
    const dir = tempDir()
    const store = await MemoryStore.open(dir, memoryConfig())
    await store.add(corpus(40, 7))
    await store.close()
    const small = memoryConfig({ embedder: { dimension: 64 } })
    await assert.rejects(MemoryStore.open(dir, small), (error: unknown) => error instanceof AgentorError && error.code === 'E_MEMORY_EMBEDDER_CHANGED' && /local:stems\+3gram@0\.6:signed:256/.test(error.message))
    const counting = new CountingEmbedder(createEmbedder(small.embedder))
    const reembedded = await MemoryStore.open(dir, small, { embedder: counting, reembed: true })
    assert.equal(counting.texts, 40)
    assert.equal(reembedded.stats().dimension, 64)
    const hits = await reembedded.search('deploy rollback', { topK: 3 })
    await reembedded.close()
    const reopened = await MemoryStore.open(dir, small)
    assert.deepEqual(await reopened.search('deploy rollback', { topK: 3 }), hits)
    await reopened.close()
  })

  test('a store embedded by the older word-hashing scheme is refused by the default embedder, and opens with features: words', async () => {
    const dir = tempDir()
    const words = memoryConfig({ embedder: { features: 'words' } })
    const store = await MemoryStore.open(dir, words)
    await store.add(corpus(20, 3))
    await store.close()
    await assert.rejects(MemoryStore.open(dir, memoryConfig()), (error: unknown) => error instanceof AgentorError && error.code === 'E_MEMORY_EMBEDDER_CHANGED' && /holds local:fnv1a\+3gram@0\.5:256 embeddings, but memory\.embedder is local:stems\+3gram@0\.6:signed:256/.test(error.message) && /re-embed/.test(error.hint ?? ''))
    const reopened = await MemoryStore.open(dir, words)
    assert.equal(reopened.size, 20)
    assert.equal(reopened.stats().embedder, 'local:fnv1a+3gram@0.5:256')
    await reopened.close()
  })

  test('20k generated documents: added in batches, searched, compacted on close and all there on reopen (timing: npm run bench:memory)', async () => {
    const dir = tempDir()
    const docs = corpus(20_000, 8)
    const store = await MemoryStore.open(dir, memoryConfig())
    for (let i = 0; i < docs.length; i += 2000) await store.add(docs.slice(i, i + 2000))
    const before = await snapshotResults(store)
    assert.ok(before.every((hits) => hits.length === 8))
    await store.close()
    const reopened = await MemoryStore.open(dir, memoryConfig())
    try {
      assert.equal(reopened.size, 20_000)
      assert.equal(reopened.stats().logBytes, 0, 'close compacted the log into the snapshot')
      assertSameHits(await snapshotResults(reopened), before)
    } finally {
      await reopened.close()
    }
  })
})

// ---------------------------------------------------------------------------

const faiss = loadFaiss()
const skipFaiss = faiss.faiss ? false : `native FAISS unavailable: ${faiss.reason}`

describe('vector indexes', () => {
  function randomUnitVectors(n: number, dim: number, seed: number): Float32Array {
    const random = seededRandom(seed).next
    const rows = new Float32Array(n * dim)
    for (let r = 0; r < n; r++) {
      let sum = 0
      for (let j = 0; j < dim; j++) sum += (rows[r * dim + j] = random() - 0.5) ** 2
      for (let j = 0; j < dim; j++) rows[r * dim + j]! /= Math.sqrt(sum)
    }
    return rows
  }

  test('FAISS Flat and the WASM flat scan return the same neighbours', { skip: skipFaiss }, async () => {
    const dim = 32
    const n = 2000
    const rows = randomUnitVectors(n, dim, 9)
    const keys = Array.from({ length: n }, (_, i) => 10 * i + 7)
    const vectorOf = (key: number): Float32Array => rows.subarray(((key - 7) / 10) * dim, ((key - 7) / 10 + 1) * dim)
    const wasm = new WasmVectorIndex((await loadRankingCore<number>({ dim })).vectors)
    const flat = FaissVectorIndex.create({ faiss: faiss.faiss!, dimension: dim, factory: 'Flat', efSearch: 16, efConstruction: 40, nprobe: 1, kFactor: 1, vectorOf })
    for (const index of [wasm, flat]) {
      index.add(keys, rows)
      index.remove([17, 27, 1007])
    }
    assert.equal(flat.size, n - 3)
    assert.equal(flat.description, 'faiss IDMap2,Flat')
    const queries = randomUnitVectors(25, dim, 10)
    const odd = { size: n / 2, has: (key: number) => ((key - 7) / 10) % 2 === 1, *keys() { for (const key of keys) if (((key - 7) / 10) % 2 === 1) yield key } }
    for (let q = 0; q < 25; q++) {
      const query = queries.subarray(q * dim, (q + 1) * dim)
      for (const filter of [undefined, odd]) {
        const a = wasm.search(query, 10, filter)
        const b = flat.search(query, 10, filter)
        assert.deepEqual(b.map((hit) => hit.key), a.map((hit) => hit.key), `query ${q}${filter ? ' (filtered)' : ''}`)
        b.forEach((hit, i) => assert.ok(Math.abs(hit.score - a[i]!.score) < 1e-5))
        assert.ok(!b.some((hit) => [17, 27, 1007].includes(hit.key)))
      }
    }
  })

  describe('FAISS in the store', { skip: skipFaiss }, () => {
    test('Flat: the same hybrid results as the WASM index', async () => {
      const docs = corpus(400, 11)
      const wasm = await MemoryStore.open(tempDir(), memoryConfig({ vector: { index: 'wasm' } }))
      const flat = await MemoryStore.open(tempDir(), memoryConfig({ vector: { index: 'faiss', factory: 'Flat' } }))
      try {
        for (const store of [wasm, flat]) {
          await store.add(docs)
          await store.delete(['doc-1', 'doc-2'])
        }
        assert.equal(flat.stats().vectorIndex, 'faiss IDMap2,Flat')
        assert.deepEqual(flat.stats().notices, [])
        assertSameHits(await snapshotResults(flat), await snapshotResults(wasm))
      } finally {
        await wasm.close()
        await flat.close()
      }
    })

    test('HNSW32,Flat: deletes become tombstones, the saved index is read back on open', async () => {
      const dir = tempDir()
      const config = memoryConfig({ vector: { index: 'faiss', factory: 'HNSW32,Flat', efSearch: 256 } })
      const store = await MemoryStore.open(dir, config)
      await store.add(corpus(600, 12))
      await store.delete(['doc-0', 'doc-5'])
      await store.upsert({ id: 'doc-6', text: 'completely new words about gardening tulips' })
      const vectorOnly = async (s: MemoryStore, query: string): Promise<string[]> => (await s.search(query, { alpha: 1, topK: 10, expand: false })).map((hit) => hit.id)
      for (const query of QUERIES) assert.ok(!(await vectorOnly(store, query)).some((id) => id === 'doc-0' || id === 'doc-5'))
      assert.equal((await vectorOnly(store, 'gardening tulips'))[0], 'doc-6')
      const before = await snapshotResults(store)
      await store.compact()
      assert.ok(readdirSync(dir).some((name) => /^vectors\.\d+\.faiss$/.test(name)))
      await store.add({ id: 'after', text: 'tulips and roses in the garden' })
      await store.delete('doc-9')
      const later = await snapshotResults(store)
      await store.close()

      const notices: string[] = []
      const reopened = await MemoryStore.open(dir, config, { onNotice: (message) => notices.push(message) })
      assert.deepEqual(notices, [], 'the saved index matched')
      assert.deepEqual(await snapshotResults(reopened), later)
      assert.notDeepEqual(later, before)
      assert.equal((await vectorOnly(reopened, 'tulips roses garden'))[0], 'after')
      await reopened.close()
    })

    test('HNSW32,Flat holds centred vectors: with efSearch covering the collection, the hits and scores of the exact scan', async () => {
      const hnsw = await MemoryStore.open(tempDir(), memoryConfig({ vector: { index: 'faiss', factory: 'HNSW32,Flat', efSearch: 1000 } }))
      const wasm = await MemoryStore.open(tempDir(), memoryConfig())
      try {
        for (const store of [hnsw, wasm]) await store.add(corpus(700, 14))
        const saved = (hnsw as unknown as { vectors: { save(file: string): NativeIndexFile } }).vectors.save(join(tempDir(), 'probe.faiss'))
        assert.equal(saved.centre?.length, 256, 'the centre is saved with the index')
        assert.ok(Math.hypot(...saved.centre!) > 0.1)
        assertSameHits(await snapshotResults(hnsw), await snapshotResults(wasm))
      } finally {
        await hnsw.close()
        await wasm.close()
      }
    })

    test('IVF: exact scan until there is enough to train, then nprobe applies', async () => {
      const config = memoryConfig({ vector: { index: 'faiss', factory: 'IVF4,Flat', nprobe: 4 } })
      const ivf = await MemoryStore.open(tempDir(), config)
      const wasm = await MemoryStore.open(tempDir(), memoryConfig())
      try {
        const docs = corpus(300, 13)
        for (const store of [ivf, wasm]) await store.add(docs.slice(0, 100))
        assertSameHits(await snapshotResults(ivf), await snapshotResults(wasm), 'untrained: exact scan')
        for (const store of [ivf, wasm]) await store.add(docs.slice(100))
        // nprobe 4 of 4 lists is exhaustive, so the trained index is exact too.
        assertSameHits(await snapshotResults(ivf), await snapshotResults(wasm), 'trained')
        assert.equal(ivf.stats().vectorIndex, 'faiss IDMap2,IVF4,Flat')
      } finally {
        await ivf.close()
        await wasm.close()
      }
    })

    test('PQ fast-scan refined by SQfp16: exact until trained, recall@10 against the exact scan set by kFactor; deletes; reopened from its file', async (t) => {
      const docs = zipfCorpus(5000, 31)
      const queries = zipfCorpus(60, 32).map((doc) => doc.text.split(' ').slice(0, 3).join(' '))
      const pq = (kFactor: number) => memoryConfig({ vector: { index: 'faiss', factory: 'PQ32x4fs,Refine(SQfp16)', kFactor } })
      const dir = tempDir()
      const [exact, coarse, refined] = [await MemoryStore.open(tempDir(), memoryConfig()), await MemoryStore.open(tempDir(), pq(1)), await MemoryStore.open(dir, pq(40))]
      const stores = [exact, coarse, refined]
      const top10 = async (store: MemoryStore): Promise<string[][]> => {
        const lists: string[][] = []
        for (const query of queries) lists.push((await store.search(query, { alpha: 1, topK: 10, expand: false })).map((hit) => hit.id))
        return lists
      }
      const recall = (found: string[][], truth: string[][]): number => found.reduce((sum, ids, i) => sum + ids.filter((id) => truth[i]!.includes(id)).length, 0) / (10 * queries.length)
      try {
        for (const store of stores) await store.add(docs.slice(0, 4000))
        assertSameHits(await snapshotResults(refined), await snapshotResults(exact), 'untrained (256 × 16 = 4,096 vectors needed): exact scan')
        for (const store of stores) await store.add(docs.slice(4000))
        const deleted = (await exact.search(queries[0]!, { alpha: 1, topK: 3, expand: false })).map((hit) => hit.id)
        for (const store of stores) await store.delete(deleted)
        const truth = await top10(exact)
        const [low, high] = [recall(await top10(coarse), truth), recall(await top10(refined), truth)]
        t.diagnostic(`recall@10: kFactor 1 → ${low}, kFactor 40 → ${high}`)
        assert.ok(high >= 0.95 && high > low, `recall@10: kFactor 1 → ${low}, kFactor 40 → ${high}`)
        assert.ok(!(await top10(refined)).flat().some((id) => deleted.includes(id)))
        assert.equal(refined.stats().vectorIndex, 'faiss IDMap2,PQ32x4fs,Refine(SQfp16)')
        const before = await top10(refined)
        await refined.close()
        const notices: string[] = []
        const reopened = await MemoryStore.open(dir, pq(40), { onNotice: (message) => notices.push(message) })
        stores[2] = reopened
        assert.deepEqual(notices, [], 'the saved index matched')
        assert.deepEqual(await top10(reopened), before)
      } finally {
        for (const store of stores) await store.close()
      }
    })

    test('a factory string FAISS does not know is a configuration error', async () => {
      const store = await MemoryStore.open(tempDir(), memoryConfig({ vector: { index: 'faiss', factory: 'NoSuchIndex42' } }))
      try {
        await assert.rejects(store.add({ text: 'hello world' }), (error: unknown) => error instanceof AgentorError && error.code === 'E_MEMORY_CONFIG')
      } finally {
        await store.close()
      }
    })
  })

  test('without FAISS the store falls back to the WASM index with a notice', async () => {
    const dir = tempDir()
    const script = join(dir, 'no-faiss.mts')
    writeFileSync(script, `
      import { MemoryStore } from ${JSON.stringify(join(root, 'src/engine/memory/store.ts'))}
      const notices = []
      const store = await MemoryStore.open(process.argv[2], JSON.parse(process.argv[3]), { onNotice: (m) => notices.push(m) })
      await store.add([{ id: 'x', text: 'hello world' }, { id: 'y', text: 'goodbye moon' }])
      const hits = await store.search('hello', { topK: 1 })
      console.log(JSON.stringify({ index: store.stats().vectorIndex, notices, top: hits[0].id }))
      await store.close()
    `)
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', script, join(dir, 'store'), JSON.stringify(memoryConfig({ vector: { index: 'faiss' } }))], { cwd: root, env: { ...process.env, AGENTOR_FAISS: 'off' }, stdio: ['ignore', 'pipe', 'inherit'] })
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
      child.on('error', reject)
      child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited with ${code}`))))
    })
    const result = JSON.parse(output) as { index: string; notices: string[]; top: string }
    assert.equal(result.index, 'wasm flat (exact SIMD scan)')
    assert.equal(result.top, 'x')
    assert.equal(result.notices.length, 1)
    assert.match(result.notices[0]!, /FAISS is not available \(native FAISS disabled by AGENTOR_FAISS=off\); using the WebAssembly flat index/)
  })
})

describe('memory_store and memory_search skills', () => {
  let store: MemoryStore
  let skills: ReturnType<typeof createMemorySkills>
  const workspace = tmpdir()
  before(async () => {
    store = await MemoryStore.open(tempDir(), memoryConfig())
    skills = createMemorySkills(store)
  })
  after(() => store.close())

  const as = (sessionId: string) => skillContext(workspace, { sessionId })
  const run = async (name: 'memory_store' | 'memory_search', args: Record<string, unknown>, sessionId = 's1'): Promise<string> => {
    const result = await skills[name].invoke(args, as(sessionId))
    return typeof result === 'string' ? result : result.content
  }

  test('both skills, with their schemas', () => {
    assert.deepEqual(Object.keys(skills), ['memory_store', 'memory_search'])
    assert.equal(skills.memory_store.name, 'memory_store')
    assert.equal(skills.memory_search.name, 'memory_search')
    assert.deepEqual(skills.memory_search.parameters.required, ['query'])
  })

  test('save, find, replace, delete; session notes stay in their session', async () => {
    assert.match(await run('memory_store', { text: 'The staging database password rotates every Monday', metadata: { topic: 'ops' } }), /^saved note '[0-9a-f]{12}' \(shared with every session\)$/)
    assert.equal(await run('memory_store', { id: 'pref', text: 'The user prefers answers in French', scope: 'session' }), "saved note 'pref' (this session only)")

    const found = await run('memory_search', { query: 'database password' }, 's1')
    assert.match(found, /^2 notes for "database password", best first:/)
    assert.match(found, /\[1\] id [0-9a-f]{12} \(score \d\.\d{4}: keyword rank 1, meaning rank 1\)\nmetadata: \{"topic":"ops"\}\nThe staging database password rotates every Monday/)
    assert.match(await run('memory_search', { query: 'French answers' }, 's1'), /id pref .*this session only/)
    assert.doesNotMatch(await run('memory_search', { query: 'French answers prefers' }, 's2'), /id pref/)

    assert.equal(await run('memory_store', { id: 'pref', text: 'The user prefers answers in German', scope: 'session' }), "replaced note 'pref' (this session only)")
    assert.match(await run('memory_search', { query: 'German', topK: 1 }), /German/)
    await assert.rejects(run('memory_store', { id: 'pref', text: 'hijack' }, 's2'), /the id 'pref' is taken/)
    await assert.rejects(run('memory_store', { action: 'delete', id: 'pref' }, 's2'), /no note with id 'pref'/)
    assert.equal(await run('memory_store', { action: 'delete', id: 'pref' }, 's1'), "deleted note 'pref'")
    assert.equal(store.get('pref'), undefined)
    await assert.rejects(run('memory_store', { action: 'delete' }), /delete needs the id/)
    await assert.rejects(run('memory_store', {}), /save needs a non-empty text/)
    assert.equal(await run('memory_search', { query: 'quantum chromodynamics lattice' }, 's3').then((text) => text.startsWith('1 note') || text.startsWith('no notes')), true)
  })
})
