import { Args, Flags } from '@oclif/core'
import { AgentorCommand, UsageError } from '../../cli/base-command.js'
import { manifestArg, openMemory } from '../../cli/open-memory.js'

export default class MemoryEval extends AgentorCommand {
  static override summary = 'Measure search quality on labelled queries.'
  static override description = 'Reads a JSONL file of labelled queries — each line `{ "query": …, "ids": [...] }` or `{ "query": …, "sources": [...] }` — and reports recall@k and MRR for BM25 only, vectors only, and the hybrid.'
  static override examples = ['<%= config.bin %> memory eval agent.yaml queries.jsonl --k 10']
  static override args = { ...manifestArg, queries: Args.string({ description: 'the labelled queries (JSONL)', required: true }) }
  static override flags = {
    k: Flags.integer({ description: 'cut-off for recall and MRR', default: 10, min: 1, max: 1000 }),
    json: Flags.boolean({ description: 'print the figures as JSON' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(MemoryEval)
    const [{ readFileSync }, { evaluate, parseLabelledQueries }] = await Promise.all([import('node:fs'), import('../../engine/memory/evaluate.js')])
    let text: string
    try {
      text = readFileSync(args.queries, 'utf8')
    } catch (error) {
      throw new UsageError(`cannot read ${args.queries}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
    }
    const { queries, problems } = parseLabelledQueries(text)
    for (const problem of problems) process.stderr.write(`${args.queries}: skipped ${problem}\n`)
    if (queries.length === 0) throw new UsageError(`${args.queries} has no labelled queries`)
    const { store, manifest } = await openMemory(args.manifest)
    try {
      const scores = await evaluate(store, queries, flags.k, manifest.memory.fusion.alpha)
      if (flags.json) return void process.stdout.write(`${JSON.stringify({ queries: queries.length, k: flags.k, scores }, null, 2)}\n`)
      process.stdout.write(`${queries.length} queries, k = ${flags.k}\n\n| mode | alpha | recall@${flags.k} | MRR |\n|---|---:|---:|---:|\n`)
      for (const score of scores) process.stdout.write(`| ${score.mode} | ${score.alpha} | ${score.recallAtK.toFixed(3)} | ${score.mrr.toFixed(3)} |\n`)
    } finally {
      await store.close()
    }
  }
}
