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
import { WordNumberCache } from '../core/word-number-cache.js'
import { WordTable } from '../core/word-table.js'
import { WordTerms } from '../core/word-terms.js'
import { FeatureArena, featureCode } from './feature-arena.js'
import { fnv1a } from './local.js'

const GRAM = 3
const GRAM_WEIGHT = 0.6
const TERM_MARK = 0x01
const GRAM_MARK = 0x03
const SIGN_MARK = 0x05
const PAD = '#'

const step = (hash: number, byte: number): number => Math.imul(hash ^ byte, 0x01000193)

/** A stop word's feature index (other words have their index in the feature arena). */
const STOP_WORD = -1

export class StemHashEmbedder implements Embedder {
  readonly id: string
  readonly dimension: number
  private readonly features = new FeatureArena()
  /** Numbers the words of every text embedded; a store shares it with its BM25 leg (see `embedWords`). */
  readonly lexicon: WordTable
  /** The words' stems (stop words dropped); a store's BM25 leg shares them when it prepares text alike. */
  readonly terms: WordTerms
  /** Word number → its index in `features`, or STOP_WORD. When the lexicon starts over, so does the arena. */
  private readonly featureIndex: WordNumberCache
  /** The numbers of the distinct non-stop words of the text being embedded, in first-seen order. */
  private distinct = new Int32Array(256)
  /** Scratch of `addFeatures`. */
  private readonly gramStarts: number[] = []
  private readonly gramCodes: number[] = []
  /** The vector being summed (zero between texts). */
  private readonly sums: Float32Array

  constructor(options: { dimension?: number; lexicon?: WordTable } = {}) {
    this.lexicon = options.lexicon ?? new WordTable()
    this.terms = new WordTerms(this.lexicon, { stem: true, stopWords: true })
    this.featureIndex = new WordNumberCache(
      this.lexicon,
      (number) => {
        const term = this.terms.of(number)
        return term === undefined ? STOP_WORD : this.addFeatures(this.lexicon.word(number), term)
      },
      () => this.features.clear(),
    )
    this.dimension = options.dimension ?? 256
    if (!Number.isInteger(this.dimension) || this.dimension < 1) throw new RangeError(`embedding dimension must be a positive integer, got ${this.dimension}`)
    this.sums = new Float32Array(this.dimension)
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
    return this.embedWords(this.lexicon.numbersOf(text), vector, termWeight)
  }

  /** Embeds a text given as the numbers `lexicon.numbersOf` gave its tokens, into `vector` (overwritten). */
  embedWords(words: readonly number[], vector: Float32Array, termWeight?: (word: string) => number): Float32Array {
    const features = this.features
    features.nextText()
    if (words.length > this.distinct.length) this.distinct = new Int32Array(words.length * 2)
    const distinct = this.distinct
    let n = 0
    for (let i = 0; i < words.length; i++) {
      const index = this.featureIndex.valueOf(words[i]!)
      if (index !== STOP_WORD && features.count(index)) distinct[n++] = words[i]!
    }
    // Summed in a scratch vector that stays in the cache, then written to `vector` in one pass.
    const sums = this.sums
    for (let d = 0; d < n; d++) {
      const index = this.featureIndex.valueOf(distinct[d]!)
      const count = features.countOf(index)
      const weight = termWeight ? termWeight(this.lexicon.word(distinct[d]!)) : 1
      features.addTo(sums, index, count === 1 ? weight : weight * (1 + Math.log(count)))
    }
    let sum = 0
    for (let i = 0; i < sums.length; i++) sum += sums[i]! * sums[i]!
    const inverse = sum === 0 ? 0 : 1 / Math.sqrt(sum)
    for (let i = 0; i < sums.length; i++) {
      vector[i] = sums[i]! * inverse
      sums[i] = 0
    }
    return vector
  }

  /** Stores the word's features (its stem, then its trigrams) with their signs; returns its index. */
  private addFeatures(word: string, term: string): number {
    const padded = PAD + word + PAD
    // Where its code points start (then its end), so that a trigram never splits a surrogate pair.
    const starts = this.gramStarts
    starts.length = 0
    let at = 0
    for (const char of padded) {
      starts.push(at)
      at += char.length
    }
    starts.push(at)
    // A word is not empty, so `#word#` has at least one trigram.
    const grams = starts.length - GRAM
    const codes = this.gramCodes
    codes.length = 0
    for (let g = 0; g < grams; g++) codes.push(this.code(step(fnv1a(padded, starts[g]!, starts[g + GRAM]!), GRAM_MARK)))
    return this.features.add(this.code(step(fnv1a(term), TERM_MARK)), codes, GRAM_WEIGHT / Math.sqrt(grams))
  }

  private code(hash: number): number {
    return featureCode((hash >>> 0) % this.dimension, step(hash, SIGN_MARK) < 0)
  }
}
