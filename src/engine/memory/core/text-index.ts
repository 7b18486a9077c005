// A text-level BM25 index: text prep + vocabulary in JS, index and scoring in the WebAssembly core.
import { type Bm25Params, type Bm25Stats, type DocId, type RankingCore, type RankingCoreOptions, type ScoredId, loadRankingCore } from './ranking-core.js'
import { type TextPrep, type TextPrepOptions, Vocabulary, createTextPrep } from './text-prep.js'

export interface Bm25TextIndexOptions extends TextPrepOptions, Bm25Params {
  /** Share an instance (e.g. with its vector index); by default a new one is loaded. */
  core?: RankingCore<DocId>
  wasmPath?: RankingCoreOptions['wasmPath']
}

export class Bm25TextIndex<Id extends DocId = string> {
  readonly vocabulary = new Vocabulary()
  readonly prep: TextPrep

  private constructor(readonly core: RankingCore<Id>, options: Bm25TextIndexOptions) {
    this.prep = createTextPrep(options)
    const { k1, b, mode } = options
    core.bm25.setParams({ k1, b, mode })
  }

  static async create<Id extends DocId = string>(options: Bm25TextIndexOptions = {}): Promise<Bm25TextIndex<Id>> {
    const core = (options.core as RankingCore<Id> | undefined) ?? (await loadRankingCore<Id>({ wasmPath: options.wasmPath }))
    return new Bm25TextIndex<Id>(core, options)
  }

  get size(): number {
    return this.core.bm25.size
  }

  /** Indexes (or re-indexes) a document's text. */
  add(id: Id, text: string): void {
    this.core.bm25.add(id, this.vocabulary.assign(this.prep(text)))
  }

  remove(id: Id): boolean {
    return this.core.bm25.remove(id)
  }

  has(id: Id): boolean {
    return this.core.bm25.has(id)
  }

  /** Best k documents for the query text; a query with no known term gives []. */
  search(query: string, k = 10): ScoredId<Id>[] {
    const terms = this.vocabulary.lookup(this.prep(query))
    return terms.length ? this.core.bm25.search(terms, k) : []
  }

  stats(): Bm25Stats {
    return this.core.bm25.stats()
  }
}
