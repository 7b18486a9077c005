// Reciprocal rank fusion of the two legs (SPEC §12), per query variant, then the best score per
// document across variants. score = alpha/(k + vectorRank) + (1 − alpha)/(k + bm25Rank) with
// 1-based ranks within each leg's candidates and rank 1000 for a document missing from a leg.
import type { RankingCore } from './core/ranking-core.js'
import type { HitExplanation, ScoredKey } from './contract.js'

export const MISSING_RANK = 1000

export interface FusionSettings {
  /** Weight of the vector leg, 0..1. */
  alpha: number
  rrfK: number
}

export interface FusedKey {
  key: number
  score: number
  explain: HitExplanation
}

/** One query's legs fused, best first (ties: vector leg order, then BM25 order). */
export function fuseLegs(core: RankingCore<number>, query: string, vector: readonly ScoredKey[], bm25: readonly ScoredKey[], settings: FusionSettings): FusedKey[] {
  const fused = core.fuse(vector.map((hit) => hit.key), bm25.map((hit) => hit.key), { alpha: settings.alpha, k: settings.rrfK, missingRank: MISSING_RANK })
  const vectorAt = positions(vector)
  const bm25At = positions(bm25)
  return fused.map(({ id, score }) => {
    const v = vectorAt.get(id)
    const b = bm25At.get(id)
    return {
      key: id,
      score,
      explain: {
        query,
        bm25Rank: b === undefined ? null : b + 1,
        bm25Score: b === undefined ? null : bm25[b]!.score,
        vectorRank: v === undefined ? null : v + 1,
        vectorScore: v === undefined ? null : vector[v]!.score,
        fused: score,
      },
    }
  })
}

/** The best-scoring entry per key across the variants' lists, best first, at most topK. */
export function mergeVariants(lists: readonly FusedKey[][], topK: number): FusedKey[] {
  const best = new Map<number, FusedKey>()
  for (const list of lists) {
    for (const hit of list) {
      const seen = best.get(hit.key)
      if (!seen || hit.score > seen.score) best.set(hit.key, hit)
    }
  }
  return [...best.values()].sort((a, b) => b.score - a.score).slice(0, topK)
}

function positions(hits: readonly ScoredKey[]): Map<number, number> {
  return new Map(hits.map((hit, i) => [hit.key, i]))
}
