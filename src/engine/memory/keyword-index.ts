// The BM25 leg: text prep in JS, index and scoring in the WebAssembly core.
//
// Tokens are SPEC §12's (split on anything not a Unicode letter or digit, so accented and
// non-Latin words stay whole), then wink-nlp-utils' English stop words and Porter2 stems as
// `bm25.stopWords` / `bm25.stem` say. Each distinct word's term id (or "stop word") is memoised by
// word number (core/word-number-cache.ts): stemming costs ≈ 2.7 µs a token, and the same words recur.
import { WordNumberCache } from './core/word-number-cache.js'
import type { Bm25Core } from './core/ranking-core.js'
import { Vocabulary, unicodeTokens } from './core/text-prep.js'
import type { WordTable } from './core/word-table.js'
import type { WordTerms } from './core/word-terms.js'
import type { KeyFilter, ScoredKey } from './contract.js'

const STOP_WORD = -1

export class KeywordIndex {
  private readonly vocabulary = new Vocabulary()
  private readonly lexicon: WordTable
  /** Word number → term id (assigned when first indexed), or STOP_WORD. */
  private readonly termIds: WordNumberCache
  /** A document's term ids, reused across adds. */
  private ids = new Uint32Array(1024)

  /** `wordTerms` (and their lexicon) may be the local embedder's, so that a document is tokenised and stemmed once for both. */
  constructor(
    private readonly bm25: Bm25Core<number>,
    private readonly wordTerms: WordTerms,
  ) {
    this.lexicon = wordTerms.lexicon
    this.termIds = new WordNumberCache(this.lexicon, (number) => {
      const term = wordTerms.of(number)
      return term === undefined ? STOP_WORD : this.vocabulary.id(term)
    })
  }

  /** Distinct terms seen. */
  get terms(): number {
    return this.vocabulary.size
  }

  add(key: number, text: string): void {
    this.bm25.add(key, this.termsOf(this.lexicon.numbersOf(text)))
  }

  /** Indexes a document by the term ids `termsOf` gave for it. */
  addTerms(key: number, terms: Uint32Array): void {
    this.bm25.add(key, terms)
  }

  /** The term ids of a text's word numbers, stop words left out (a reused buffer: copy it to keep it). */
  termsOf(words: readonly number[]): Uint32Array {
    if (words.length > this.ids.length) this.ids = new Uint32Array(words.length * 2)
    let n = 0
    for (let i = 0; i < words.length; i++) {
      const id = this.termIds.valueOf(words[i]!)
      if (id !== STOP_WORD) this.ids[n++] = id
    }
    return this.ids.subarray(0, n)
  }

  remove(key: number): void {
    this.bm25.remove(key)
  }

  /** Best k keys the filter accepts; a query with no indexed term gives []. */
  search(query: string, k: number, filter?: KeyFilter): ScoredKey[] {
    const terms = this.queryTerms(query)
    const size = this.bm25.size
    if (terms.length === 0 || k <= 0) return []
    // With a filter, ask for more until k pass it or every match has been seen.
    let ask = filter ? Math.min(size, k * 4) : k
    for (;;) {
      const found = this.bm25.search(terms, ask)
      const hits = filter ? found.filter((hit) => filter.has(hit.id)) : found
      if (hits.length >= k || found.length < ask || ask >= size) return hits.slice(0, k).map(({ id, score }) => ({ key: id, score }))
      ask = Math.min(size, ask * 2)
    }
  }

  /** Term ids of the query's known words (unknown ones match nothing and are not remembered). */
  private queryTerms(query: string): number[] {
    const ids: number[] = []
    for (const word of unicodeTokens(query)) {
      const id = this.knownTerm(word)
      if (id !== undefined && id !== STOP_WORD) ids.push(id)
    }
    return ids
  }

  /**
   * BM25's idf of the word's term over the indexed documents, ln(1 + (N − df + 0.5)/(df + 0.5)):
   * a word never indexed gets the highest weight, a stop word none.
   */
  idf(word: string): number {
    const id = this.knownTerm(word)
    if (id === STOP_WORD) return 0
    const df = id === undefined ? 0 : this.bm25.df(id)
    return Math.log(1 + (this.bm25.size - df + 0.5) / (df + 0.5))
  }

  /** The word's term id, STOP_WORD, or undefined when its term is not indexed. */
  private knownTerm(word: string): number | undefined {
    // Derived only for indexed words: a word the embedder alone has seen must not get a term id.
    const number = this.lexicon.find(word)
    const id = number === undefined ? undefined : this.termIds.peek(number)
    if (id !== undefined) return id
    const term = this.wordTerms.termOf(word)
    return term === undefined ? STOP_WORD : this.vocabulary.get(term)
  }
}
