// The WebAssembly BM25 core in 'wink' mode ranks identically to wink-bm25-text-search (same prep
// tasks, k1 1.2, b 0.75): same top-10 ids in the same order, and bit-for-bit the same scores.
import assert from 'node:assert/strict'
import { readFileSync, readdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { before, describe, test } from 'node:test'
import { ensureWasm } from '../scripts/build-wasm.mjs'
import { type ScoredId } from '../src/engine/memory/core/ranking-core.js'
import { Bm25TextIndex } from '../src/engine/memory/core/text-index.js'
import { type TextPrepOptions, winkPrepTasks } from '../src/engine/memory/core/text-prep.js'
import { seededRandom } from './support/random.js'

interface WinkEngine {
  defineConfig(config: { fldWeights: Record<string, number>; bm25Params?: { k1?: number; b?: number; k?: number } }): boolean
  definePrepTasks(tasks: Array<(input: never) => unknown>, field?: string): number
  addDoc(doc: Record<string, string>, id: number | string): number
  consolidate(precision?: number): boolean
  search(text: string, limit?: number): Array<[string, number]>
}

const require = createRequire(import.meta.url)
const winkBm25 = require('wink-bm25-text-search') as () => WinkEngine

before(async () => {
  await ensureWasm()
})


function shuffle<T>(items: T[], rand: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1))
    ;[items[i], items[j]] = [items[j]!, items[i]!]
  }
  return items
}

/** Sentences from Debian's package docs (copyright and README files), or generated ones. */
function loadCorpus(size: number): { sentences: string[]; source: string } {
  const root = '/usr/share/doc'
  const found = new Set<string>()
  let dirs: string[] = []
  try {
    dirs = readdirSync(root).sort()
  } catch {
    dirs = []
  }
  for (const dir of dirs) {
    let files: string[]
    try {
      files = readdirSync(path.join(root, dir)).sort()
    } catch {
      continue
    }
    for (const file of files) {
      if (!(file === 'copyright' || file.startsWith('README')) || file.endsWith('.gz')) continue
      let text: string
      try {
        text = readFileSync(path.join(root, dir, file), 'utf8')
      } catch {
        continue
      }
      for (const raw of text.split(/(?<=[.!?])\s+|\n\s*\n/)) {
        const sentence = raw.replace(/\s+/g, ' ').trim()
        const words = sentence.split(' ').length
        if (words >= 6 && words <= 60 && /[a-z]{3}/.test(sentence)) found.add(sentence)
      }
    }
  }
  const rand = seededRandom(2024).next
  if (found.size >= size) return { sentences: shuffle([...found], rand).slice(0, size), source: `${root} (${found.size} sentences, ${size} used)` }
  // offline fallback: sentences from a small English word list with a Zipf-like skew
  const words = ('the search index ranks documents by relevance while agents store memories in sessions; each query ' +
    'matches terms and phrases across notes logs messages tools files runs errors tests builds servers clients ' +
    'requests responses tokens models prompts answers users tasks plans steps results scores vectors embeddings ' +
    'running runner runs quickly slowly carefully never always often rarely database storage configuration settings ' +
    'network latency memory cache disk process thread schedule cron webhook channel approval policy sandbox docker ' +
    'browser page click type read write delete update create list function method error bug issue problem exception').split(/\W+/)
  const sentences: string[] = []
  for (let i = 0; i < size; i++) {
    const n = 6 + Math.floor(rand() * 20)
    sentences.push(Array.from({ length: n }, () => words[Math.floor(Math.pow(rand(), 2) * words.length)]).join(' ') + '.')
  }
  return { sentences, source: 'generated (no /usr/share/doc text)' }
}

function buildWink(docs: Array<[number, string]>, prep: TextPrepOptions, k1 = 1.2, b = 0.75): WinkEngine {
  const engine = winkBm25()
  engine.defineConfig({ fldWeights: { body: 1 }, bm25Params: { k1, b } }) // before definePrepTasks
  engine.definePrepTasks(winkPrepTasks(prep))
  for (const [id, body] of docs) engine.addDoc({ body }, id)
  engine.consolidate() // no addDoc after this
  return engine
}

function makeQueries(sentences: string[], count: number, seed: number): string[] {
  const rand = seededRandom(seed).next
  const queries: string[] = []
  for (let i = 0; i < count; i++) {
    const words = sentences[Math.floor(rand() * sentences.length)]!.split(' ')
    const n = 1 + Math.floor(rand() * 4)
    const picked = Array.from({ length: n }, () => words[Math.floor(rand() * words.length)]!)
    if (i % 6 === 0) picked.push(picked[0]!) // a repeated term: wink counts it twice
    if (i % 9 === 0) picked.push('zyxwvut') // a term in no document
    if (i % 11 === 0) picked.push('the', 'and') // stop words
    queries.push(picked.join(' '))
  }
  queries.push('software license', 'free software foundation', 'permission notice copies', 'copyright copyright', 'gnu general public license version', 'warranty')
  return queries
}

function compare(ours: ScoredId<number>[], theirs: Array<[string, number]>, query: string): void {
  assert.deepEqual(ours.map((h) => String(h.id)), theirs.map(([id]) => id), `ids for "${query}"`)
  assert.deepEqual(ours.map((h) => h.score), theirs.map(([, s]) => s), `scores for "${query}"`)
}

describe('BM25 core in wink mode vs wink-bm25-text-search', () => {
  const { sentences, source } = loadCorpus(4000)
  const docs = sentences.map((s, i) => [i, s] as [number, string])

  test(`identical top-10 (ids, order, scores) with stemming and stop words; corpus: ${source}`, async (t) => {
    const engine = buildWink(docs, {})
    const index = await Bm25TextIndex.create<number>({ mode: 'wink' })
    for (const [id, body] of docs) index.add(id, body)
    const queries = makeQueries(sentences, 80, 1)
    let nonEmpty = 0
    let fullPages = 0
    let winkMs = 0
    let coreMs = 0
    for (const q of queries) {
      let t0 = performance.now()
      const theirs = engine.search(q, 10)
      winkMs += performance.now() - t0
      t0 = performance.now()
      const ours = index.search(q, 10)
      coreMs += performance.now() - t0
      compare(ours, theirs, q)
      if (theirs.length) nonEmpty++
      if (theirs.length === 10) fullPages++
    }
    assert.ok(nonEmpty >= 50, `at least 50 queries with results (${nonEmpty})`)
    const msg = `${queries.length} queries (${nonEmpty} with hits, ${fullPages} full top-10) over ${docs.length} docs: identical; query time wink ${(winkMs / queries.length).toFixed(3)} ms, core (prep + search) ${(coreMs / queries.length).toFixed(3)} ms`
    t.diagnostic(msg)
    console.log(msg)
  })

  for (const variant of [
    { prep: { stem: false }, k1: 1.2, b: 0.75 },
    { prep: { stopWords: false }, k1: 1.2, b: 0.75 },
    { prep: { stem: false, stopWords: false }, k1: 1.2, b: 0.75 },
    { prep: {}, k1: 1.6, b: 0.4 },
  ]) {
    test(`identical with prep ${JSON.stringify(variant.prep)}, k1 ${variant.k1}, b ${variant.b}`, async () => {
      const subset = docs.slice(0, 1500)
      const engine = buildWink(subset, variant.prep, variant.k1, variant.b)
      const index = await Bm25TextIndex.create<number>({ ...variant.prep, mode: 'wink', k1: variant.k1, b: variant.b })
      for (const [id, body] of subset) index.add(id, body)
      for (const q of makeQueries(sentences.slice(0, 1500), 30, 7)) compare(index.search(q, 10), engine.search(q, 10), q)
    })
  }

  test('after deleting a quarter of the documents, identical to wink built on the rest', async () => {
    const index = await Bm25TextIndex.create<number>({ mode: 'wink' })
    for (const [id, body] of docs) index.add(id, body)
    const rand = seededRandom(3).next
    const kept: Array<[number, string]> = []
    for (const doc of docs) {
      if (rand() < 0.25) assert.equal(index.remove(doc[0]), true)
      else kept.push(doc)
    }
    assert.equal(index.stats().docs, kept.length)
    const engine = buildWink(kept, {})
    const queries = makeQueries(sentences, 50, 11)
    for (const q of queries) compare(index.search(q, 10), engine.search(q, 10), q)
    index.core.bm25.compact()
    for (const q of queries) compare(index.search(q, 10), engine.search(q, 10), q)
  })

  test('standard mode differs from wink only where wink rounds or repeats query terms', async () => {
    const subset = docs.slice(0, 1000)
    const wink = await Bm25TextIndex.create<number>({ mode: 'wink' })
    const standard = await Bm25TextIndex.create<number>({ mode: 'standard' })
    for (const [id, body] of subset) {
      wink.add(id, body)
      standard.add(id, body)
    }
    for (const q of makeQueries(sentences.slice(0, 1000), 20, 5)) {
      const terms = new Set(wink.prep(q))
      if (terms.size !== wink.prep(q).length) continue // repeats: wink counts them again
      const a = wink.search(q, 1000)
      const b = standard.search(q, 1000)
      assert.equal(a.length, b.length)
      const byId = new Map(b.map((h) => [h.id, h.score]))
      // each (doc, term) contribution is rounded to 4 decimals in wink mode
      for (const h of a) assert.ok(Math.abs(h.score - byId.get(h.id)!) <= 0.00005 * terms.size + 1e-12, `"${q}" doc ${h.id}`)
    }
  })
})
