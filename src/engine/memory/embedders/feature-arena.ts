// Per-word embedding features of a hashing embedder, packed into a few flat typed arrays in the
// order words were first seen. A word is then one small integer: embedding a text reads its words'
// features from contiguous memory instead of chasing an object and two small arrays per word
// (which, with tens of thousands of distinct words, made cache misses most of the embedder's time).
import { grown } from '../core/grow.js'

export class FeatureArena {
  /** Word w's features are entries starts[w] … starts[w + 1] − 1. */
  private starts = new Int32Array(1 << 12)
  buckets = new Int32Array(1 << 14)
  values = new Float32Array(1 << 14)
  /** The text being embedded when the word was last counted (see `count`), and its count there. */
  private seenIn = new Float64Array(1 << 12)
  private counts = new Int32Array(1 << 12)
  private size = 0

  /** Stores a word's features; returns its index. */
  add(buckets: readonly number[], values: readonly number[]): number {
    const index = this.size++
    const start = this.starts[index]!
    const end = start + buckets.length
    this.buckets = grown(this.buckets, end)
    this.values = grown(this.values, end)
    for (let i = 0; i < buckets.length; i++) {
      this.buckets[start + i] = buckets[i]!
      this.values[start + i] = values[i]!
    }
    this.starts = grown(this.starts, index + 2)
    this.seenIn = grown(this.seenIn, index + 1)
    this.counts = grown(this.counts, index + 1)
    this.starts[index + 1] = end
    this.seenIn[index] = 0
    return index
  }

  start(index: number): number {
    return this.starts[index]!
  }

  end(index: number): number {
    return this.starts[index + 1]!
  }

  /**
   * Counts one occurrence of the word in text number `text` (texts numbered from 1 upwards);
   * returns true for its first occurrence there.
   */
  count(index: number, text: number): boolean {
    if (this.seenIn[index] !== text) {
      this.seenIn[index] = text
      this.counts[index] = 1
      return true
    }
    this.counts[index]!++
    return false
  }

  countOf(index: number): number {
    return this.counts[index]!
  }

  /** Forgets every word (their indexes become invalid). */
  clear(): void {
    this.size = 0
  }
}
