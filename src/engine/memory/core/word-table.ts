// A memo of one value per distinct word, for the words of SPEC §12's tokenisation (lowercase,
// split on anything not a Unicode letter or digit, longer than one UTF-8 byte) — the BM25 leg's
// term ids and the local embedder's features.
//
// Ingest looks up every token of every document, and a Map<string> lookup needs the token as a
// string first: split, lowercase, hash. For an ASCII text the table instead scans the characters,
// hashing each word as it goes (FNV-1a over the lowercased code units) and comparing it in place
// with the stored word, so that only a word never seen before becomes a string. Other texts take
// the string path, into the same table.
import { unicodeTokens } from './text-prep.js'

const FNV_OFFSET = 0x811c9dc5
const FNV_PRIME = 0x01000193
/** Cleared when it holds this many words, so that a stream of unique tokens cannot grow it without end. */
const DEFAULT_LIMIT = 1 << 18

/** ASCII letter or digit → its lowercase code; anything else → 0 (a separator). */
const WORD_CHAR = new Uint8Array(128)
for (let c = 48; c <= 57; c++) WORD_CHAR[c] = c
for (let c = 97; c <= 122; c++) WORD_CHAR[c] = WORD_CHAR[c - 32] = c

export class WordTable<T> {
  private hashes = new Int32Array(1 << 12)
  private words: (string | undefined)[] = new Array<string | undefined>(1 << 12).fill(undefined)
  private values: (T | undefined)[] = new Array<T | undefined>(1 << 12).fill(undefined)
  private count = 0
  /** Reused by `valuesOf`. */
  private readonly found: T[] = []

  private readonly limit: number
  private readonly onClear: (() => void) | undefined

  /**
   * `create` gives a new word's value (called once per distinct word until the table is cleared).
   * A table holding `limit` words or more drops them all before its next `valuesOf` or `valueOf`
   * (never in the middle of a text, so one text's values always come from one generation) and
   * calls `onClear` then.
   */
  constructor(
    private readonly create: (word: string) => T,
    options: { limit?: number; onClear?: () => void } = {},
  ) {
    this.limit = options.limit ?? DEFAULT_LIMIT
    this.onClear = options.onClear
  }

  get size(): number {
    return this.count
  }

  /** The values of the text's tokens, in order, repeats included (a reused array: copy it to keep it). */
  valuesOf(text: string): readonly T[] {
    this.clearWhenFull()
    const found = this.found
    found.length = 0
    if (!this.scanAscii(text)) {
      found.length = 0
      for (const word of unicodeTokens(text)) found.push(this.lookup(word))
    }
    return found
  }

  /** The word's value, created when new. */
  valueOf(word: string): T {
    this.clearWhenFull()
    return this.lookup(word)
  }

  private clearWhenFull(): void {
    if (this.count < this.limit) return
    this.allocate(this.hashes.length)
    this.onClear?.()
  }

  private lookup(word: string): T {
    let hash = FNV_OFFSET
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), FNV_PRIME)
    const mask = this.hashes.length - 1
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const stored = this.words[slot]
      if (stored === undefined) return this.insert(slot, hash, word)
      if (this.hashes[slot] === hash && stored === word) return this.values[slot] as T
    }
  }

  /** The word's value when the table holds it (never creates one). */
  get(word: string): T | undefined {
    let hash = FNV_OFFSET
    for (let i = 0; i < word.length; i++) hash = Math.imul(hash ^ word.charCodeAt(i), FNV_PRIME)
    const mask = this.hashes.length - 1
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const stored = this.words[slot]
      if (stored === undefined) return undefined
      if (this.hashes[slot] === hash && stored === word) return this.values[slot]
    }
  }

  /** Pushes the values of an ASCII text's words to `found`; false (at once) for a non-ASCII text. */
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
      if (i - start > 1) found.push(this.valueAt(text, start, i, hash))
    }
    return true
  }

  private valueAt(text: string, start: number, end: number, hash: number): T {
    const mask = this.hashes.length - 1
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const stored = this.words[slot]
      if (stored === undefined) return this.insert(slot, hash, text.slice(start, end).toLowerCase())
      if (this.hashes[slot] === hash && stored.length === end - start && sameLowercase(stored, text, start)) return this.values[slot] as T
    }
  }

  private insert(slot: number, hash: number, word: string): T {
    const value = this.create(word)
    if ((this.count + 1) * 2 > this.hashes.length) {
      this.grow()
      this.put(hash, word, value)
    } else {
      this.place(slot, hash, word, value)
    }
    return value
  }

  private put(hash: number, word: string, value: T): void {
    const mask = this.hashes.length - 1
    let slot = hash & mask
    while (this.words[slot] !== undefined) slot = (slot + 1) & mask
    this.place(slot, hash, word, value)
  }

  private place(slot: number, hash: number, word: string, value: T): void {
    this.hashes[slot] = hash
    this.words[slot] = word
    this.values[slot] = value
    this.count++
  }

  private grow(): void {
    const { hashes, words, values } = this
    this.allocate(hashes.length * 2)
    words.forEach((word, slot) => {
      if (word !== undefined) this.put(hashes[slot]!, word, values[slot] as T)
    })
  }

  private allocate(size: number): void {
    this.hashes = new Int32Array(size)
    this.words = new Array<string | undefined>(size).fill(undefined)
    this.values = new Array<T | undefined>(size).fill(undefined)
    this.count = 0
  }
}

/** Whether text[start, start + word.length) lowercases (ASCII) to `word`. */
function sameLowercase(word: string, text: string, start: number): boolean {
  for (let i = 0; i < word.length; i++) if (WORD_CHAR[text.charCodeAt(start + i)] !== word.charCodeAt(i)) return false
  return true
}
