import type { ResolvedLimits, ResolvedPricing } from '../manifest/generated/manifest-types.js'
import type { TokenUsage } from '../llm/contract.js'
import type { UsageByModel } from './events.js'

/** Tokens and cost per model for one run, checked against the manifest's caps between turns. */
export class Budget {
  private readonly byModel = new Map<string, UsageByModel>()

  constructor(
    private readonly limits: Pick<ResolvedLimits, 'maxTokens' | 'maxCostUsd'>,
    private readonly pricing: ReadonlyMap<string, ResolvedPricing | undefined>,
  ) {}

  /** Records one model call and returns its cost. */
  add(model: string, usage: TokenUsage): number {
    const price = this.pricing.get(model)
    const cost = price ? (usage.inputTokens * price.inputPerMTok + usage.outputTokens * price.outputPerMTok) / 1_000_000 : 0
    const entry = this.byModel.get(model) ?? { model, inputTokens: 0, outputTokens: 0, costUsd: 0 }
    entry.inputTokens += usage.inputTokens
    entry.outputTokens += usage.outputTokens
    entry.costUsd += cost
    this.byModel.set(model, entry)
    return cost
  }

  /** Why the next turn may not start, if a cap has been reached. */
  exceeded(): string | undefined {
    const { tokens, costUsd } = this.totals()
    if (this.limits.maxTokens !== undefined && tokens >= this.limits.maxTokens) return `token budget reached: ${tokens} of limits.maxTokens ${this.limits.maxTokens}`
    if (this.limits.maxCostUsd !== undefined && costUsd >= this.limits.maxCostUsd) return `cost budget reached: $${costUsd.toFixed(4)} of limits.maxCostUsd $${this.limits.maxCostUsd}`
    return undefined
  }

  summary(): UsageByModel[] {
    return [...this.byModel.values()].map((entry) => ({ ...entry }))
  }

  totals(): { tokens: number; costUsd: number } {
    let tokens = 0
    let costUsd = 0
    for (const entry of this.byModel.values()) {
      tokens += entry.inputTokens + entry.outputTokens
      costUsd += entry.costUsd
    }
    return { tokens, costUsd }
  }
}
