import { grown } from './grow.js'
import type { WordTable } from './word-table.js'

const UNKNOWN = -2

/** An integer derived from each word number of a WordTable (a term id, a feature index), computed once per word. */
export class WordNumberCache {
  private values = new Int32Array(1 << 12).fill(UNKNOWN)

  /** `derive` gives the value of a word number (≥ −1); `onClear` runs after the table drops its numbers. */
  constructor(
    lexicon: WordTable,
    private readonly derive: (number: number) => number,
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
      const known = this.values.length
      this.values = grown(this.values, number + 1)
      this.values.fill(UNKNOWN, known)
    }
    let value = this.values[number]!
    if (value === UNKNOWN) this.values[number] = value = this.derive(number)
    return value
  }
}
