// The default local embedder: the signed hashing trick over the BM25 leg's terms and character
// trigrams. Deterministic, no model, no network.
//
//   1. "" is an error. Words are the BM25 leg's tokens (lowercase, split on anything not a Unicode
//      letter or digit, longer than one UTF-8 byte); stop words are dropped and the rest stemmed
//      (wink-nlp-utils, Porter2), so "configuring" and "configured" are one feature.
//   2. Features of each remaining word: its stem, and the trigrams of `#word#` (the unstemmed word;
//      '#' never occurs inside one), each trigram weighing GRAM_WEIGHT/√L for the word's L trigrams,
//      so that a word's trigrams weigh GRAM_WEIGHT in L2 norm whatever its length.
//   3. A word seen c times adds its features × (1 + ln c) (sublinear TF), each at fnv(feature) %
//      dim with a sign taken from the hash: colliding features then cancel on average instead of
//      adding up, so that collisions are noise around zero rather than a bias.
//   4. L2-normalise (no features → the zero vector).
// Queries (EmbedOptions.termWeight; the store passes BM25's idf) weigh each word's features by its
// idf: documents are embedded once, independent of the collection, while a query still leans on
// its rare words — SMART's lnc.ltc weighting.
import type { EmbedOptions, Embedder } from '../contract.js'
import { createTermOf } from '../core/text-prep.js'
import { WordTable } from '../core/word-table.js'
import { fnv1a } from './local.js'

const GRAM = 3
const GRAM_WEIGHT = 0.6
const TERM_MARK = 0x01
const GRAM_MARK = 0x03
const SIGN_MARK = 0x05
const PAD = '#'

const step = (hash: number, byte: number): number => Math.imul(hash ^ byte, 0x01000193)

/** A word's features, resolved to buckets and signed base weights for this embedder's dimension. */
interface WordFeatures {
  word: string
  buckets: Uint32Array
  values: Float32Array
  /** The text being embedded when this word was last counted, and its count and weight there. */
  seenIn: number
  count: number
  weight: number
}

export class StemHashEmbedder implements Embedder {
  readonly id: string
  readonly dimension: number
  private readonly termOf = createTermOf({ stem: true, stopWords: true })
  /** Word → its features, or null for a stop word. */
  private readonly words = new WordTable<WordFeatures | null>((word) => {
    const term = this.termOf(word)
    return term === undefined ? null : this.wordFeatures(word, term)
  })
  private readonly distinct: WordFeatures[] = []
  private texts = 0

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
    // Counted on the memoised word objects themselves: no per-text map.
    const current = ++this.texts
    const distinct = this.distinct
    distinct.length = 0
    for (const features of this.words.valuesOf(text)) {
      if (!features) continue
      if (features.seenIn !== current) {
        features.seenIn = current
        features.count = 0
        features.weight = termWeight ? termWeight(features.word) : 1
        distinct.push(features)
      }
      features.count++
    }
    for (let w = 0; w < distinct.length; w++) {
      const { buckets, values, count, weight } = distinct[w]!
      const scale = count === 1 ? weight : weight * (1 + Math.log(count))
      for (let i = 0; i < buckets.length; i++) vector[buckets[i]!]! += scale * values[i]!
    }
    let sum = 0
    for (let i = 0; i < vector.length; i++) sum += vector[i]! * vector[i]!
    if (sum === 0) return vector
    const inverse = 1 / Math.sqrt(sum)
    for (let i = 0; i < vector.length; i++) vector[i]! *= inverse
    return vector
  }

  private wordFeatures(word: string, term: string): WordFeatures {
    // Code points, so that a trigram never splits a surrogate pair.
    const chars = Array.from(PAD + word + PAD)
    const grams = Math.max(1, chars.length - GRAM + 1)
    const hashes = [step(fnv1a(term), TERM_MARK)]
    for (let g = 0; g < grams; g++) hashes.push(step(fnv1a(chars.slice(g, g + GRAM).join('')), GRAM_MARK))
    const gramWeight = GRAM_WEIGHT / Math.sqrt(grams)
    const buckets = new Uint32Array(hashes.length)
    const values = new Float32Array(hashes.length)
    hashes.forEach((hash, i) => {
      buckets[i] = (hash >>> 0) % this.dimension
      const weight = i === 0 ? 1 : gramWeight
      values[i] = step(hash, SIGN_MARK) < 0 ? -weight : weight
    })
    return { word, buckets, values, seenIn: 0, count: 0, weight: 1 }
  }
}
