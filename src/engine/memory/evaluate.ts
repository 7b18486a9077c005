import type { MemoryHit } from './contract.js'
import type { MemoryStore } from './store.js'

/** One labelled query: the document ids (or source files) that should be found. */
export interface LabelledQuery {
  query: string
  ids?: string[]
  sources?: string[]
}

export interface LegScore {
  mode: 'bm25' | 'vector' | 'hybrid'
  alpha: number
  /** Share of queries with at least one expected document in the top k. */
  recallAtK: number
  /** Mean reciprocal rank of the first expected document (0 when it is not in the top k). */
  mrr: number
}

/** recall@k and MRR for BM25 only (alpha 0), vectors only (alpha 1) and the configured hybrid. */
export async function evaluate(store: MemoryStore, queries: readonly LabelledQuery[], k: number, hybridAlpha: number): Promise<LegScore[]> {
  const modes: [LegScore['mode'], number][] = [['bm25', 0], ['vector', 1], ['hybrid', hybridAlpha]]
  const scores: LegScore[] = []
  for (const [mode, alpha] of modes) {
    let found = 0
    let reciprocal = 0
    for (const labelled of queries) {
      const hits = await store.search(labelled.query, { topK: k, alpha, allSessions: true })
      const rank = hits.findIndex((hit) => isExpected(hit, labelled)) + 1
      if (rank > 0) {
        found++
        reciprocal += 1 / rank
      }
    }
    scores.push({ mode, alpha, recallAtK: found / queries.length, mrr: reciprocal / queries.length })
  }
  return scores
}

function isExpected(hit: MemoryHit, labelled: LabelledQuery): boolean {
  return (labelled.ids?.includes(hit.id) ?? false) || (labelled.sources?.includes(String(hit.metadata.source)) ?? false)
}

/** Reads a queries file: one JSON object per line, `{ query, ids? , sources? }`. */
export function parseLabelledQueries(text: string): { queries: LabelledQuery[]; problems: string[] } {
  const queries: LabelledQuery[] = []
  const problems: string[] = []
  text.split('\n').forEach((line, index) => {
    if (!line.trim()) return
    try {
      const value = JSON.parse(line) as LabelledQuery
      if (typeof value.query !== 'string' || !(Array.isArray(value.ids) || Array.isArray(value.sources))) throw new Error('needs `query` and `ids` or `sources`')
      queries.push(value)
    } catch (error) {
      problems.push(`line ${index + 1}: ${(error as Error).message}`)
    }
  })
  return { queries, problems }
}
