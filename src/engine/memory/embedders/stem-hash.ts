// The default local embedder: the signed hashing trick over the BM25 leg's terms and character
// trigrams. Deterministic, no model, no network.
//
//   1. "" is an error. Words are the BM25 leg's tokens (lowercase, split on anything not a Unicode
//      letter or digit, longer than one UTF-8 byte); stop words are dropped and the rest stemmed
//      (wink-nlp-utils, Porter2), so "configuring" and "configured" are one feature.
//   2. Features of each remaining word: its stem, and the trigrams of `#word#` (the unstemmed word;
//      '#' never occurs inside one), each trigram weighing GRAM_WEIGHT/√L for the word's L trigrams,
//      so that a word's trigrams weigh GRAM_WEIGHT in L2 norm whatever its length.
//   3. A feature seen c times adds mean-weight × (1 + ln c) (sublinear TF) at fnv(feature) % dim,
//      with a sign taken from the hash: colliding features then cancel on average instead of
//      adding up, so that collisions are noise around zero rather than a bias.
//   4. L2-normalise (no features → the zero vector).
// Queries (EmbedOptions.termWeight; the store passes BM25's idf) weigh each word's features by its
// idf: documents are embedded once, independent of the collection, while a query still leans on
// its rare words — SMART's lnc.ltc weighting.
import type { EmbedOptions, Embedder } from '../contract.js'
import { createTermOf, createTextPrep } from '../core/text-prep.js'
import { fnv1a } from './local.js'

const GRAM = 3
const GRAM_WEIGHT = 0.6
const TERM_MARK = 0x01
const GRAM_MARK = 0x03
const SIGN_MARK = 0x05
const MEMO_LIMIT = 1 << 18
const PAD = '#'

const step = (hash: number, byte: number): number => Math.imul(hash ^ byte, 0x01000193)

/** A word's feature hashes: its stem's, then its trigrams'. */
interface WordFeatures {
  hashes: Int32Array
  gramWeight: number
}

export class StemHashEmbedder implements Embedder {
  readonly id: string
  readonly dimension: number
  private readonly words = createTextPrep({ tokenizer: 'unicode', stopWords: false, stem: false })
  private readonly termOf = createTermOf({ stem: true, stopWords: true })
  /** Word → its features, or null for a stop word. */
  private readonly memo = new Map<string, WordFeatures | null>()
  private readonly features = new FeatureCounts()

  constructor(options: { dimension?: number } = {}) {
    this.dimension = options.dimension ?? 256
    if (!Number.isInteger(this.dimension) || this.dimension < 1) throw new RangeError(`embedding dimension must be a positive integer, got ${this.dimension}`)
    this.id = `local:stems+${GRAM}gram@${GRAM_WEIGHT}:signed:${this.dimension}`
  }

  async embed(texts: readonly string[], options: EmbedOptions = {}): Promise<Float32Array[]> {
    // One buffer for the batch: far fewer allocations than one per vector.
    const rows = new Float32Array(texts.length * this.dimension)
    return texts.map((text, i) => this.embedInto(text, rows.subarray(i * this.dimension, (i + 1) * this.dimension), options.termWeight))
  }

  /** The vector of one text (synchronous). */
  embedText(text: string, termWeight?: (word: string) => number): Float32Array {
    return this.embedInto(text, new Float32Array(this.dimension), termWeight)
  }

  private embedInto(text: string, vector: Float32Array, termWeight: ((word: string) => number) | undefined): Float32Array {
    if (text === '') throw new RangeError('cannot embed an empty text')
    const features = this.features
    features.clear()
    for (const word of this.words(text)) {
      const found = this.featuresOf(word)
      if (!found) continue
      const weight = termWeight ? termWeight(word) : 1
      const { hashes, gramWeight } = found
      features.add(hashes[0]!, weight)
      for (let i = 1; i < hashes.length; i++) features.add(hashes[i]!, weight * gramWeight)
    }
    features.scatter(vector)
    let sum = 0
    for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!
    if (sum === 0) return vector
    const inverse = 1 / Math.sqrt(sum)
    for (let i = 0; i < vector.length; i++) vector[i]! *= inverse
    return vector
  }

  private featuresOf(word: string): WordFeatures | null {
    let found = this.memo.get(word)
    if (found !== undefined) return found
    const term = this.termOf(word)
    found = term === undefined ? null : wordFeatures(word, term)
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear()
    this.memo.set(word, found)
    return found
  }
}

function wordFeatures(word: string, term: string): WordFeatures {
  // Code points, so that a trigram never splits a surrogate pair.
  const chars = Array.from(PAD + word + PAD)
  const grams = Math.max(1, chars.length - GRAM + 1)
  const hashes = new Int32Array(1 + grams)
  hashes[0] = step(fnv1a(term), TERM_MARK)
  for (let g = 0; g < grams; g++) hashes[1 + g] = step(fnv1a(chars.slice(g, g + GRAM).join('')), GRAM_MARK)
  return { hashes, gramWeight: GRAM_WEIGHT / Math.sqrt(grams) }
}

/** Per-feature occurrence counts and weight sums for one text; reused (open addressing on the hash). */
class FeatureCounts {
  private keys = new Int32Array(1024)
  private counts = new Uint32Array(1024)
  private weights = new Float64Array(1024)
  /** Occupied slots, in first-seen order. */
  private used: number[] = []

  clear(): void {
    for (const slot of this.used) this.counts[slot] = 0
    this.used.length = 0
  }

  add(hash: number, weight: number): void {
    if (this.used.length * 2 >= this.keys.length) this.grow()
    const mask = this.keys.length - 1
    let slot = (hash ^ (hash >>> 15)) & mask
    while (this.counts[slot]! !== 0 && this.keys[slot] !== hash) slot = (slot + 1) & mask
    if (this.counts[slot] === 0) {
      this.keys[slot] = hash
      this.weights[slot] = 0
      this.used.push(slot)
    }
    this.counts[slot]!++
    this.weights[slot]! += weight
  }

  /** Adds each feature's signed, sublinear value to its bucket. */
  scatter(vector: Float32Array): void {
    const dim = vector.length
    for (const slot of this.used) {
      const hash = this.keys[slot]!
      const count = this.counts[slot]!
      const value = (this.weights[slot]! / count) * (1 + Math.log(count))
      vector[(hash >>> 0) % dim]! += step(hash, SIGN_MARK) < 0 ? -value : value
    }
  }

  private grow(): void {
    const { keys, counts, weights, used } = this
    const size = keys.length * 2
    this.keys = new Int32Array(size)
    this.counts = new Uint32Array(size)
    this.weights = new Float64Array(size)
    this.used = []
    for (const slot of used) {
      const mask = size - 1
      let at = (keys[slot]! ^ (keys[slot]! >>> 15)) & mask
      while (this.counts[at] !== 0) at = (at + 1) & mask
      this.keys[at] = keys[slot]!
      this.counts[at] = counts[slot]!
      this.weights[at] = weights[slot]!
      this.used.push(at)
    }
  }
}
