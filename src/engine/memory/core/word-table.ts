// Dense numbers for the distinct words of SPEC §12's tokenisation (lowercase, split on anything
// not a Unicode letter or digit, longer than one UTF-8 byte), in first-seen order. A store's BM25
// leg and local embedder share one table, so that a text is tokenised once for both; each keeps
// what it derives from a word by number (word-number-cache.ts).
//
// Ingest looks up every token of every document, and a Map<string> lookup needs the token as a
// string first: split, lowercase, hash. For an ASCII text the table instead scans the characters,
// hashing each word as it goes (FNV-1a over the lowercased code units) and comparing it in place
// with the stored word, so that only a word never seen before becomes a string. Other texts take
// the string path, into the same table.
//
// Layout: a lookup should touch few cache lines, since with tens of thousands of words most
// lookups of rarer words miss the cache. A slot holds the hash and the word's number side by side,
// and the words' characters lie back to back in one array, so that a hit reads one slot, two
// offsets and the characters, with no object to chase.
import { grown } from './grow.js'
import { unicodeTokens } from './text-prep.js'

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193
/** Cleared when it holds this many words, so that a stream of unique tokens cannot grow it without end. */
const DEFAULT_LIMIT = 1 << 18
const INITIAL_SLOTS = 1 << 12

/** ASCII letter or digit → its lowercase code; anything else → 0 (a separator). */
const WORD_CHAR = new Uint8Array(128)
for (let c = 48; c <= 57; c++) WORD_CHAR[c] = c
for (let c = 97; c <= 122; c++) WORD_CHAR[c] = WORD_CHAR[c - 32] = c

export class WordTable {
  /** Slot s: its word's hash at 2s, the word's number + 1 at 2s + 1 (0: an empty slot). */
  private slots = new Int32Array(2 * INITIAL_SLOTS)
  /** The words' UTF-16 code units back to back: word n is chars[starts[n], starts[n + 1]). */
  private chars = new Uint16Array(8 * INITIAL_SLOTS)
  private starts = new Int32Array(INITIAL_SLOTS + 1)
  private readonly words: string[] = []
  /** Reused by `numbersOf`. */
  private readonly found: number[] = []
  private readonly limit: number
  private readonly clearListeners: (() => void)[] = []

  /**
   * A table holding `limit` words or more drops them all before its next `numbersOf` or `numberOf`
   * (never in the middle of a text, so one text's numbers always come from one generation) and
   * calls its `onClear` listeners then.
   */
  constructor(options: { limit?: number } = {}) {
    this.limit = options.limit ?? DEFAULT_LIMIT
  }

  /** Runs `listener` whenever the table drops its words (every number becomes invalid). */
  onClear(listener: () => void): void {
    this.clearListeners.push(listener)
  }

  get size(): number {
    return this.words.length
  }

  /** Word number n. */
  word(number: number): string {
    return this.words[number]!
  }

  /** The numbers of the text's tokens, in order, repeats included (a reused array: use it before the next call). */
  numbersOf(text: string): readonly number[] {
    this.clearWhenFull()
    const found = this.found
    found.length = 0
    if (!this.scanAscii(text)) {
      found.length = 0
      for (const word of unicodeTokens(text)) found.push(this.lookup(word, true))
    }
    return found
  }

  /** The word's number, assigned when new. */
  numberOf(word: string): number {
    this.clearWhenFull()
    return this.lookup(word, true)
  }

  /** The word's number when the table holds it (never assigns one). */
  find(word: string): number | undefined {
    const number = this.lookup(word, false)
    return number < 0 ? undefined : number
  }

  private clearWhenFull(): void {
    if (this.words.length < this.limit) return
    this.slots = new Int32Array(this.slots.length)
    this.words.length = 0
    for (const listener of this.clearListeners) listener()
  }

  /** The word's number; when absent, a new one if `assign`, else −1. */
  private lookup(word: string, assign: boolean): number {
    let hash = FNV_OFFSET
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), FNV_PRIME)
    const { slots, chars, starts } = this
    const mask = (slots.length >> 1) - 1
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[2 * slot + 1]!
      if (entry === 0) return assign ? this.insert(slot, hash, word) : -1
      if (slots[2 * slot] !== hash) continue
      const start = starts[entry - 1]!
      if (starts[entry]! - start !== word.length) continue
      let same = true
      for (let i = 0; i < word.length && same; i++) same = chars[start + i] === word.charCodeAt(i)
      if (same) return entry - 1
    }
  }

  /** Pushes the numbers of an ASCII text's words to `found`; false (at once) for a non-ASCII text. */
  private scanAscii(text: string): boolean {
    const found = this.found
    const length = text.length
    let i = 0
    while (i < length) {
      let c = text.charCodeAt(i)
      if (c >= 128) return false
      if (WORD_CHAR[c] === 0) {
        i++
        continue
      }
      const start = i
      let hash = FNV_OFFSET
      while (i < length) {
        c = text.charCodeAt(i)
        if (c >= 128) return false
        const lower = WORD_CHAR[c]!
        if (lower === 0) break
        hash = Math.imul(hash ^ lower, FNV_PRIME)
        i++
      }
      if (i - start > 1) found.push(this.numberAt(text, start, i, hash))
    }
    return true
  }

  private numberAt(text: string, start: number, end: number, hash: number): number {
    const { slots, chars, starts } = this
    const mask = (slots.length >> 1) - 1
    const length = end - start
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = slots[2 * slot + 1]!
      if (entry === 0) return this.insert(slot, hash, text.slice(start, end).toLowerCase())
      if (slots[2 * slot] !== hash) continue
      const from = starts[entry - 1]!
      if (starts[entry]! - from !== length) continue
      let same = true
      for (let i = 0; i < length && same; i++) same = chars[from + i] === WORD_CHAR[text.charCodeAt(start + i)]
      if (same) return entry - 1
    }
  }

  private insert(slot: number, hash: number, word: string): number {
    const number = this.words.length
    this.words.push(word)
    const start = this.starts[number]!
    this.chars = grown(this.chars, start + word.length)
    for (let i = 0; i < word.length; i++) this.chars[start + i] = word.charCodeAt(i)
    this.starts = grown(this.starts, number + 2)
    this.starts[number + 1] = start + word.length
    if ((number + 1) * 2 > this.slots.length >> 1) {
      this.rehash(this.slots.length * 2)
      this.placeAnywhere(hash, number)
    } else {
      this.place(slot, hash, number)
    }
    return number
  }

  private place(slot: number, hash: number, number: number): void {
    this.slots[2 * slot] = hash
    this.slots[2 * slot + 1] = number + 1
  }

  /** Places a number in the first free slot of its probe sequence. */
  private placeAnywhere(hash: number, number: number): void {
    const mask = (this.slots.length >> 1) - 1
    let slot = hash & mask
    while (this.slots[2 * slot + 1] !== 0) slot = (slot + 1) & mask
    this.place(slot, hash, number)
  }

  /** Doubles the slots and places the words they held (not the newest: the caller places it). */
  private rehash(size: number): void {
    const old = this.slots
    this.slots = new Int32Array(size)
    for (let s = 0; s < old.length; s += 2) if (old[s + 1] !== 0) this.placeAnywhere(old[s]!, old[s + 1]! - 1)
  }
}
