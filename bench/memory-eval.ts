// Known-item quality on real text (bench/data: Debian package descriptions; query = the package's
// synopsis, target = its long description). agentor's `memory eval` for BM25 only, vectors only
// and the hybrid, and wink-bm25-text-search with stemming on the same set, in one run.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadManifest } from '../src/engine/manifest/load.js'
import { MemoryStore, memoryDir } from '../src/engine/memory/store.js'
import { ROOT } from './support/peers.js'

const K = 10
const DOCS = join(ROOT, 'bench/data/debian-descriptions.jsonl')
const QUERIES = join(ROOT, 'bench/data/debian-queries.jsonl')

const readJsonl = <T>(file: string): T[] => readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as T)

async function main() {
  const docs = readJsonl<{ id: string; text: string }>(DOCS)
  const queries = readJsonl<{ query: string; ids: string[] }>(QUERIES)
  const dir = mkdtempSync(join(tmpdir(), 'agentor-memory-eval-'))
  try {
    const manifestPath = join(dir, 'agent.yaml')
    writeFileSync(manifestPath, 'agentor: 1\nname: eval\nmodel: { provider: scripted, script: [{ text: hi }] }\nskills: [memory_search]\nmemory: { vector: { index: wasm } }\n')
    const { manifest } = await loadManifest(manifestPath)
    const store = await MemoryStore.open(memoryDir(dir, manifest.memory), manifest.memory)
    await store.add(docs.map((doc) => ({ id: doc.id, text: doc.text })))
    await store.close()
    const cli = spawnSync(process.execPath, [join(ROOT, 'bin/run.js'), 'memory', 'eval', manifestPath, QUERIES, '--k', String(K), '--json'], { encoding: 'utf8' })
    if (cli.status !== 0) throw new Error(`agentor memory eval failed:\n${cli.stderr}`)
    const agentor = JSON.parse(cli.stdout) as { scores: { mode: string; recallAtK: number; mrr: number }[] }
    const wink = winkScores(docs, queries)
    console.log(`Known-item evaluation: ${docs.length} Debian package descriptions, ${queries.length} synopsis queries, k = ${K}\n`)
    console.log(`| engine | recall@${K} | MRR |\n| --- | ---: | ---: |`)
    for (const score of agentor.scores) console.log(`| agentor ${score.mode} | ${score.recallAtK.toFixed(3)} | ${score.mrr.toFixed(3)} |`)
    console.log(`| wink-bm25-text-search (stem + stop words) | ${wink.recallAtK.toFixed(3)} | ${wink.mrr.toFixed(3)} |`)
    console.log(JSON.stringify({ bench: 'memory-eval', docs: docs.length, queries: queries.length, k: K, agentor: agentor.scores, wink }))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function winkScores(docs: readonly { id: string; text: string }[], queries: readonly { query: string; ids: string[] }[]) {
  const require = createRequire(import.meta.url)
  const bm25 = require('wink-bm25-text-search')() as { defineConfig(c: object): void; definePrepTasks(t: unknown[]): void; addDoc(d: object, id: string): void; consolidate(): void; search(q: string, k: number): [string, number][] }
  const nlp = require('wink-nlp-utils') as { string: { lowerCase: unknown; tokenize0: unknown; stem: unknown }; tokens: { removeWords: unknown; stem: unknown } }
  bm25.defineConfig({ fldWeights: { text: 1 }, bm25Params: { k1: 1.2, b: 0.75, k: 1 } })
  bm25.definePrepTasks([nlp.string.lowerCase, nlp.string.tokenize0, nlp.tokens.removeWords, nlp.tokens.stem])
  docs.forEach((doc) => bm25.addDoc({ text: doc.text }, doc.id))
  bm25.consolidate()
  let found = 0
  let reciprocal = 0
  for (const query of queries) {
    const rank = bm25.search(query.query, K).findIndex(([id]) => query.ids.includes(id)) + 1
    if (rank > 0) { found++; reciprocal += 1 / rank }
  }
  return { recallAtK: found / queries.length, mrr: reciprocal / queries.length }
}

await main()
