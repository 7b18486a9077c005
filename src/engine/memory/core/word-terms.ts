import { createTermOf } from './text-prep.js'
import type { WordTable } from './word-table.js'

export interface TermOptions {
  stem: boolean
  stopWords: boolean
}

/**
 * The term of each word number of a WordTable (its stem, or undefined for a stop word), derived
 * once. A store's BM25 leg and local embedder share one when they prepare text alike, so that each
 * distinct word is stemmed once rather than once per leg (stemming is the costly part of a new word).
 */
export class WordTerms {
  /** The term of a word that has no number (a query's unknown word). */
  readonly termOf: (word: string) => string | undefined
  /** Word number → term, null for a stop word, undefined until derived. */
  private terms: (string | null | undefined)[] = []

  constructor(
    readonly lexicon: WordTable,
    readonly options: TermOptions,
  ) {
    this.termOf = createTermOf(options)
    lexicon.onClear(() => {
      this.terms = []
    })
  }

  of(number: number): string | undefined {
    let term = this.terms[number]
    if (term === undefined) this.terms[number] = term = this.termOf(this.lexicon.word(number)) ?? null
    return term ?? undefined
  }

  /** Whether these terms are what `options` would give. */
  matches(options: TermOptions): boolean {
    return options.stem === this.options.stem && options.stopWords === this.options.stopWords
  }
}
