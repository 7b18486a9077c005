// Per-word embedding features of a hashing embedder, packed into one flat typed array in the order
// words were first seen. A word is then one small integer: embedding a text reads its words'
// features from contiguous memory instead of chasing an object and two small arrays per word
// (which, with tens of thousands of distinct words, made cache misses most of the embedder's time).
//
// For the same reason a word's entry is compact and in one piece: its count in the text being
// embedded (read first, for every occurrence) sits right before its features, so that the features
// mostly arrive with that cache line; a feature is one int, its bucket and its sign.
import { grown } from '../core/grow.js'

// A word's entry, from its index on: these fields, then its trigrams' codes.
/** The text being embedded when the word was last counted (see `count`), and its count there. */
const SEEN_IN = 0
const COUNT = 1
/** The weight of each of its trigrams (float bits); its stem weighs 1. */
const GRAM_WEIGHT = 2
/** How many trigrams it has. */
const GRAMS = 3
/** Its stem's code. */
const STEM = 4
const HEADER = 5

/** A feature's bucket and sign as one int (sign bit 1: it subtracts its weight). */
export const featureCode = (bucket: number, negative: boolean): number => (bucket << 1) | (negative ? 1 : 0)

export class FeatureArena {
  private entries = new Int32Array(1 << 16)
  private weights = new Float32Array(this.entries.buffer)
  private size = 0
  /** The number of the text being embedded, from 1 upwards (0: none yet). */
  private text = 0

  /** Stores a word's features (codes, see `featureCode`); returns its index. */
  add(stem: number, grams: readonly number[], gramWeight: number): number {
    const index = this.size
    this.size += HEADER + grams.length
    if (this.size > this.entries.length) {
      this.entries = grown(this.entries, this.size)
      this.weights = new Float32Array(this.entries.buffer)
    }
    this.entries[index + SEEN_IN] = 0
    this.weights[index + GRAM_WEIGHT] = gramWeight
    this.entries[index + GRAMS] = grams.length
    this.entries[index + STEM] = stem
    this.entries.set(grams, index + HEADER)
    return index
  }

  /** Starts counting the words of a new text. */
  nextText(): void {
    if (this.text === 0x7fffffff) {
      for (let w = 0; w < this.size; w += HEADER + this.entries[w + GRAMS]!) this.entries[w + SEEN_IN] = 0
      this.text = 0
    }
    this.text++
  }

  /** Counts one occurrence of the word in the current text; true for its first one there. */
  count(index: number): boolean {
    if (this.entries[index + SEEN_IN] !== this.text) {
      this.entries[index + SEEN_IN] = this.text
      this.entries[index + COUNT] = 1
      return true
    }
    this.entries[index + COUNT]!++
    return false
  }

  countOf(index: number): number {
    return this.entries[index + COUNT]!
  }

  /** Adds the word's features × `scale` to `vector`: its stem's, then its trigrams' in order. */
  addTo(vector: Float32Array, index: number, scale: number): void {
    const entries = this.entries
    const stem = entries[index + STEM]!
    vector[stem >>> 1]! += scale * (1 - 2 * (stem & 1))
    const gram = scale * this.weights[index + GRAM_WEIGHT]!
    for (let i = index + HEADER, end = i + entries[index + GRAMS]!; i < end; i++) {
      const code = entries[i]!
      vector[code >>> 1]! += gram * (1 - 2 * (code & 1))
    }
  }

  /** Forgets every word (their indexes become invalid). */
  clear(): void {
    this.size = 0
  }
}
