// The distinct words a store has seen, numbered densely in first-seen order, so that a text is
// tokenised once (one pass of a WordTable) for both the BM25 leg and the local embedder, each of
// which keeps what it derives from a word (term id, embedding features) by word number.
//
// When the table starts over (WordTable's limit, never inside a text), every number is dropped:
// consumers reset what they keep per number (`WordNumberCache` does).
import { WordTable } from './word-table.js'

export class Lexicon {
  private readonly listeners: (() => void)[] = []
  private readonly table: WordTable

  constructor(options: { limit?: number } = {}) {
    this.table = new WordTable({
      limit: options.limit,
      onClear: () => {
        for (const listener of this.listeners) listener()
      },
    })
  }

  /** The numbers of the text's tokens, in order, repeats included (a reused array: use it before the next call). */
  numbersOf(text: string): readonly number[] {
    return this.table.numbersOf(text)
  }

  /** The number of a word already seen (never assigns one). */
  find(word: string): number | undefined {
    return this.table.find(word)
  }

  word(number: number): string {
    return this.table.word(number)
  }

  onClear(listener: () => void): void {
    this.listeners.push(listener)
  }
}

const UNKNOWN = -2

/** An integer derived from each word number (a term id, a feature index), computed once per word. */
export class WordNumberCache {
  private values = new Int32Array(1 << 12).fill(UNKNOWN)

  /** `derive` gives the value of a word (≥ −1); `onClear` runs after the lexicon drops its numbers. */
  constructor(
    private readonly lexicon: Lexicon,
    private readonly derive: (word: string) => number,
    onClear?: () => void,
  ) {
    lexicon.onClear(() => {
      this.values.fill(UNKNOWN)
      onClear?.()
    })
  }

  /** The value if already derived (never derives it). */
  peek(number: number): number | undefined {
    const value = this.values[number]
    return value === undefined || value === UNKNOWN ? undefined : value
  }

  valueOf(number: number): number {
    if (number >= this.values.length) {
      const grown = new Int32Array(Math.max(number + 1, this.values.length * 2)).fill(UNKNOWN)
      grown.set(this.values)
      this.values = grown
    }
    let value = this.values[number]!
    if (value === UNKNOWN) this.values[number] = value = this.derive(this.lexicon.word(number))
    return value
  }
}
