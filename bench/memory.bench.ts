// `npm run bench:memory`: agentor's memory store (BM25 + vectors, RRF hybrid) against peer search
// libraries, in one process, engine after engine (references dropped and GC run in between).
//  - corpora: a seeded synthetic one (--docs N, default 100,000; Zipfian vocabulary of 30k
//    pseudo-words, 40–80 words per document, 2–3-word queries from the same distribution) and a
//    small real one (bench/data Debian package descriptions, chunked; queries = synopses).
//  - agentor: WASM exact scan, FAISS Flat, FAISS HNSW32 (efSearch 128); store.add in batches of
//    1000, fsync off, local hashing embedder (256-d): embedding is part of ingest and query times.
//    Queries use the default config (alpha 0.5, query expansion on), topK 10.
//  - peers: @orama/orama hybrid (on a slice: --orama-docs, default 20,000), minisearch,
//    wink-bm25-text-search, bare faiss-node IndexFlatIP; peers that take vectors get them
//    precomputed (embedding time excluded).
//  - recall@10 of the FAISS configs' vector-only top 10 against the WASM exact scan's.
// Prints a markdown report and a JSON line. Run with --expose-gc for meaningful memory figures.
import { availableParallelism, cpus } from 'node:os'
import { debianCorpus, syntheticCorpus, type Corpus } from './memory/corpus.js'
import { AGENTOR_CONFIGS, embedAll, runAgentor, runFaissFlat, runMiniSearch, runOrama, runWink, type EngineResult } from './memory/engines.js'
import { collect, gcExposed, p } from './memory/measure.js'
import { ensurePeers } from './support/peers.js'

const TARGETS = { docs: 100_000, hybridP50Ms: 5, bm25P50Ms: 1, ingestDocsPerSec: 20_000 }

function flag(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`)
  if (at < 0) return fallback
  const value = Number(process.argv[at + 1])
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} wants a positive integer`)
  return value
}

const progress = (message: string) => process.stderr.write(`[bench:memory ${new Date().toISOString().slice(11, 19)}] ${message}\n`)

interface CorpusReport {
  corpus: Corpus
  results: EngineResult[]
  recall: Record<string, number>
  embed: { docsPerSec: number; queryUs: number }
}

async function benchCorpus(corpus: Corpus, oramaDocs: number): Promise<CorpusReport> {
  progress(`corpus: ${corpus.description}`)
  const results: EngineResult[] = []
  const run = async (label: string, fn: () => Promise<EngineResult | undefined>) => {
    progress(`${corpus.name}: ${label}…`)
    const started = performance.now()
    const result = await fn()
    if (result) results.push(result)
    await collect()
    progress(`${corpus.name}: ${label} done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  // The local embedder alone, so that its share of agentor's ingest and query times is known.
  const sample = await embedAll(corpus, corpus.docs.slice(0, 20_000))
  const queryStart = performance.now()
  const { LocalEmbedder } = await import('../src/engine/memory/embedders/local.js')
  const embedder = new LocalEmbedder()
  for (const q of corpus.queries) await embedder.embed([q])
  const embed = { docsPerSec: Math.min(20_000, corpus.docs.length) / (sample.embedMs / 1000), queryUs: ((performance.now() - queryStart) * 1000) / corpus.queries.length }
  for (const setup of AGENTOR_CONFIGS) await run(setup.name, () => runAgentor(corpus, setup, progress))
  await run('@orama/orama', () => runOrama(corpus, oramaDocs))
  await run('minisearch', () => runMiniSearch(corpus))
  await run('wink-bm25-text-search', () => runWink(corpus))
  await run('faiss-node IndexFlatIP', () => runFaissFlat(corpus))
  const exact = results.find((r) => r.engine === AGENTOR_CONFIGS[0].name)?.vectorTop10
  const recall: Record<string, number> = {}
  for (const r of results) {
    if (!r.vectorTop10 || !exact || r.engine === AGENTOR_CONFIGS[0].name) continue
    let found = 0
    let wanted = 0
    r.vectorTop10.forEach((ids, i) => {
      const truth = new Set(exact[i])
      wanted += truth.size
      found += ids.filter((id) => truth.has(id)).length
    })
    recall[r.engine] = wanted === 0 ? NaN : found / wanted
  }
  for (const r of results) delete r.vectorTop10
  return { corpus, results, recall, embed }
}

const fmt = (value: number | undefined, digits = 2) => (value === undefined || Number.isNaN(value) ? '–' : value.toFixed(digits))
const mib = (bytes: number) => (Number.isNaN(bytes) ? '–' : (bytes / 2 ** 20).toFixed(0))
const rate = (r: EngineResult) => r.docs / (r.ingestMs / 1000)

function renderCorpus({ corpus, results, recall, embed }: CorpusReport): string {
  const baseline = p(results.find((r) => r.engine === AGENTOR_CONFIGS[0].name)?.queryMs, 50)
  const lines = [
    `### ${corpus.name}`,
    '',
    corpus.description + '.',
    '',
    '| engine | docs indexed | ingest docs/s | query | p50 ms | p99 ms | alpha 0 (BM25-only) p50 ms | BM25 leg alone p50 ms | alpha 1 (vector-only) p50 ms | heap+external Δ MiB | RSS Δ MiB | p50 vs agentor WASM hybrid |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ]
  for (const r of results) {
    const p50 = p(r.queryMs, 50)
    const slice = r.docs < corpus.docs.length && r.docs > 0 ? ` (slice: ${r.docs.toLocaleString('en-US')} of ${corpus.docs.length.toLocaleString('en-US')})` : ''
    lines.push(`| ${r.engine}${slice} | ${r.docs.toLocaleString('en-US')} | ${Number.isNaN(r.ingestMs) ? '–' : Math.round(rate(r)).toLocaleString('en-US')} | ${r.queryKind} | ${fmt(p50, 3)} | ${fmt(p(r.queryMs, 99), 3)} | ${fmt(p(r.bm25Ms, 50), 3)} | ${fmt(p(r.bm25LegMs, 50), 3)} | ${fmt(p(r.vectorMs, 50), 3)} | ${mib(r.jsBytes)} | ${mib(r.rssBytes)} | ${r.engine === AGENTOR_CONFIGS[0].name || p50 === undefined || baseline === undefined ? '1×' : `${(p50 / baseline).toFixed(2)}×`} |`)
  }
  lines.push('', 'Details:')
  for (const r of results) lines.push(`- ${r.engine}: ${r.detail}${r.notes.length ? `; notices: ${r.notes.join(' | ')}` : ''}`)
  lines.push(`- local embedder alone: ${Math.round(embed.docsPerSec).toLocaleString('en-US')} docs/s, ${embed.queryUs.toFixed(0)} µs per query (inside agentor's ingest and query times; excluded from orama's and faiss-node's)`)
  for (const [engine, value] of Object.entries(recall)) lines.push(`- vector recall@10 of ${engine} against the WASM exact scan (same query vectors, expansion off): ${fmt(value, 4)}`)
  return lines.join('\n')
}

function targets(report: CorpusReport, docs: number) {
  const rows = AGENTOR_CONFIGS.flatMap((setup) => {
    const r = report.results.find((x) => x.engine === setup.name)
    if (!r) return []
    const hybrid = p(r.queryMs, 50)!
    const bm25 = p(r.bm25LegMs, 50)!
    const ingest = rate(r)
    return [{
      engine: setup.name,
      hybrid: { value: hybrid, pass: hybrid <= TARGETS.hybridP50Ms },
      bm25: { value: bm25, pass: bm25 <= TARGETS.bm25P50Ms },
      ingest: { value: ingest, pass: ingest >= TARGETS.ingestDocsPerSec },
    }]
  })
  const verdict = (pass: boolean) => (pass ? 'PASS' : 'MISS')
  const lines = [
    `### Targets (stated at ${TARGETS.docs.toLocaleString('en-US')} docs${docs === TARGETS.docs ? '' : `; THIS RUN: ${docs.toLocaleString('en-US')} docs, so not the stated condition`})`,
    '',
    `| agentor config | hybrid p50 ≤ ${TARGETS.hybridP50Ms} ms | BM25 leg alone p50 ≤ ${TARGETS.bm25P50Ms} ms | ingest ≥ ${TARGETS.ingestDocsPerSec.toLocaleString('en-US')} docs/s |`,
    '| --- | --- | --- | --- |',
    ...rows.map((t) => `| ${t.engine} | ${verdict(t.hybrid.pass)} (${t.hybrid.value.toFixed(2)} ms) | ${verdict(t.bm25.pass)} (${t.bm25.value.toFixed(2)} ms) | ${verdict(t.ingest.pass)} (${Math.round(t.ingest.value).toLocaleString('en-US')}) |`),
  ]
  return { text: lines.join('\n'), rows }
}

async function main() {
  const docs = flag('docs', TARGETS.docs)
  const oramaDocs = flag('orama-docs', 20_000)
  const queries = flag('queries', 200)
  ensurePeers(progress)
  if (!gcExposed) progress('global.gc is not exposed (run with node --expose-gc): memory figures include garbage')
  const started = performance.now()
  const reports: CorpusReport[] = []
  reports.push(await benchCorpus(syntheticCorpus(docs, queries), oramaDocs))
  await collect()
  reports.push(await benchCorpus(debianCorpus(queries), oramaDocs))
  const target = targets(reports[0]!, docs)
  const cpu = cpus()[0]?.model ?? '?'
  console.log(`## agentor memory benchmark\n\nNode ${process.version}, ${availableParallelism()} cores (${cpu}), gc ${gcExposed ? 'exposed' : 'NOT exposed'}; ${((performance.now() - started) / 1000).toFixed(0)} s in all. p50/p99 over ${queries} sequential queries after 20 warm-up ones, topK 10.\n`)
  for (const report of reports) console.log(renderCorpus(report) + '\n')
  console.log(target.text + '\n')
  console.log(JSON.stringify({
    bench: 'memory', node: process.version, docs, oramaDocs, queries, gc: gcExposed,
    corpora: reports.map((r) => ({
      name: r.corpus.name, docs: r.corpus.docs.length, recallAt10: r.recall, embedder: r.embed,
      results: r.results.map((x) => ({
        engine: x.engine, docs: x.docs, ingestDocsPerSec: Math.round(rate(x)), query: x.queryKind,
        p50Ms: p(x.queryMs, 50), p99Ms: p(x.queryMs, 99), bm25P50Ms: p(x.bm25Ms, 50), bm25LegP50Ms: p(x.bm25LegMs, 50), vectorP50Ms: p(x.vectorMs, 50),
        heapExternalMiB: Math.round(x.jsBytes / 2 ** 20), rssMiB: Math.round(x.rssBytes / 2 ** 20),
      })),
    })),
    targets: target.rows.map((t) => ({ engine: t.engine, hybridP50: t.hybrid.pass, bm25P50: t.bm25.pass, ingest: t.ingest.pass })),
  }))
}

await main()
