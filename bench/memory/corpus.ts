// Corpora for `npm run bench:memory`: a seeded synthetic one (Zipfian vocabulary) and a small real
// one (Debian package descriptions, chunked the way agentor chunks files).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chunkText } from '../../src/engine/memory/chunking.js'
import { seededRandom, zipfSampler } from '../../test/support/random.js'
import { ROOT } from '../support/peers.js'

export interface BenchDoc {
  id: string
  text: string
}

export interface Corpus {
  name: string
  docs: BenchDoc[]
  queries: string[]
  /** One line on what the corpus is. */
  description: string
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ren', 'sta', 'vu', 'dor', 'pe', 'qui', 'zan', 'tor', 'bel', 'nu', 'fi', 'gar', 'hos', 'jin', 'wex', 'ply', 'cro', 'dun', 'ema', 'ost', 'ix', 'ul', 'ary', 'mop', 'sel', 'tiv', 'yor']

/** `size` distinct pronounceable pseudo-words, seeded. */
function vocabulary(size: number, seed: number): string[] {
  const random = seededRandom(seed)
  const words = new Set<string>()
  while (words.size < size) {
    let word = ''
    const syllables = random.int(2, 4)
    for (let i = 0; i < syllables; i++) word += random.pick(SYLLABLES)
    words.add(word)
  }
  return [...words]
}


export const VOCABULARY = 30_000
export const ZIPF_S = 1.0

/** `count` documents of 40–80 Zipf-drawn words, and `queries` queries of 2–3 words from the same distribution. */
export function syntheticCorpus(count: number, queries: number, seed = 20240601): Corpus {
  const words = vocabulary(VOCABULARY, seed)
  const random = seededRandom(seed + 1)
  const draw = zipfSampler(words.length, ZIPF_S, random.next)
  const docs: BenchDoc[] = []
  for (let i = 0; i < count; i++) {
    const length = random.int(40, 80)
    const parts: string[] = new Array(length)
    for (let w = 0; w < length; w++) parts[w] = words[draw()]!
    docs.push({ id: `d${i}`, text: parts.join(' ') })
  }
  const queryRandom = seededRandom(seed + 2)
  const drawQuery = zipfSampler(words.length, ZIPF_S, queryRandom.next)
  const list: string[] = []
  for (let q = 0; q < queries; q++) {
    const length = queryRandom.int(2, 3)
    const parts: string[] = []
    for (let w = 0; w < length; w++) parts.push(words[drawQuery()]!)
    list.push(parts.join(' '))
  }
  return {
    name: `synthetic ${count.toLocaleString('en-US')}`,
    docs,
    queries: list,
    description: `${count.toLocaleString('en-US')} generated documents, 40–80 words each from a Zipfian (s = ${ZIPF_S}) vocabulary of ${VOCABULARY.toLocaleString('en-US')} pseudo-words (seeded); ${queries} queries of 2–3 words drawn from the same distribution`,
  }
}

/** bench/data/debian-descriptions.jsonl, chunked (1200 chars, 200 overlap: agentor's defaults); queries: the package synopses. */
export function debianCorpus(queries: number): Corpus {
  const read = (file: string) => readFileSync(join(ROOT, 'bench/data', file), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
  const packages = read('debian-descriptions.jsonl') as { id: string; text: string }[]
  const docs: BenchDoc[] = []
  for (const pkg of packages) {
    for (const chunk of chunkText(pkg.text, 1200, 200)) docs.push({ id: `${pkg.id}#${chunk.index}`, text: chunk.text })
  }
  const synopses = (read('debian-queries.jsonl') as { query: string }[]).map((q) => q.query).slice(0, queries)
  return {
    name: 'debian (real text)',
    docs,
    queries: synopses,
    description: `${packages.length} Debian package descriptions chunked into ${docs.length} documents (small but real text); ${synopses.length} queries = package synopses`,
  }
}
