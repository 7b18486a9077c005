import { Args, Flags } from '@oclif/core'
import { AgentorCommand } from '../../cli/base-command.js'
import { manifestArg, searchMemory } from '../../cli/open-memory.js'

export const searchFlags = {
  'top-k': Flags.integer({ char: 'k', description: 'how many hits', default: 5, min: 1, max: 1000 }),
  alpha: Flags.string({ description: 'weight of the vector list: 0 = BM25 only, 1 = vectors only; the leg weighted 0 is not run (default: memory.fusion.alpha)' }),
  session: Flags.string({ description: 'search as this session (sees its scoped documents and unscoped ones)' }),
  json: Flags.boolean({ description: 'print the hits as JSON' }),
}

export default class MemorySearch extends AgentorCommand {
  static override summary = 'Search the agent\'s memory.'
  static override description = 'Hybrid search: BM25 and vector results fused with reciprocal rank fusion, with query expansion.'
  static override examples = ['<%= config.bin %> memory search agents/issue-triage.yaml "login fails after upgrade"', '<%= config.bin %> memory search agent.yaml "retry policy" --alpha 0 --json']
  static override args = { ...manifestArg, query: Args.string({ description: 'what to look for', required: true }) }
  static override flags = searchFlags

  async run(): Promise<void> {
    const { args, flags } = await this.parse(MemorySearch)
    await searchMemory(args.manifest, args.query, flags, (hits) => {
      if (flags.json) return void process.stdout.write(`${JSON.stringify(hits, null, 2)}\n`)
      if (hits.length === 0) return void process.stdout.write('no matches\n')
      hits.forEach((hit, index) => {
        const source = hit.metadata.source ? ` (${String(hit.metadata.source)})` : ''
        process.stdout.write(`${index + 1}. ${hit.id}${source}  score ${hit.score.toFixed(5)}\n   ${hit.text.replace(/\s+/g, ' ').slice(0, 200)}\n`)
      })
    })
  }
}
