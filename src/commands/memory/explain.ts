import { Args } from '@oclif/core'
import { AgentorCommand } from '../../cli/base-command.js'
import { manifestArg, searchMemory } from '../../cli/open-memory.js'
import { searchFlags } from './search.js'

export default class MemoryExplain extends AgentorCommand {
  static override summary = 'Show why each hit ranks where it does.'
  static override description = 'For each hit of a search: its rank in the BM25 list, its rank in the vector list, and the fused score alpha/(k + vector rank) + (1 − alpha)/(k + BM25 rank), a missing rank counting as 1000 (— when the hit is outside that leg\'s candidates, or the leg is weighted 0 by --alpha and not run); and the query variant (after expansion) that scored best.'
  static override examples = ['<%= config.bin %> memory explain agents/issue-triage.yaml "delete a user"']
  static override args = { ...manifestArg, query: Args.string({ description: 'what to look for', required: true }) }
  static override flags = searchFlags

  async run(): Promise<void> {
    const { args, flags } = await this.parse(MemoryExplain)
    await searchMemory(args.manifest, args.query, flags, (hits) => {
      if (flags.json) return void process.stdout.write(`${JSON.stringify(hits.map(({ id, score, explain }) => ({ id, score, ...explain })), null, 2)}\n`)
      process.stdout.write('rank  bm25  vector  fused     id  (query variant)\n')
      hits.forEach((hit, index) => {
        const rank = (value: number | null) => (value === null ? '—' : String(value)).padStart(4)
        process.stdout.write(`${String(index + 1).padStart(4)}  ${rank(hit.explain.bm25Rank)}  ${rank(hit.explain.vectorRank)}    ${hit.explain.fused.toFixed(5)}  ${hit.id}  (${hit.explain.query})\n`)
      })
    })
  }
}
