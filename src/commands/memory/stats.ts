import { Flags } from '@oclif/core'
import { AgentorCommand } from '../../cli/base-command.js'
import { manifestArg, openMemory } from '../../cli/open-memory.js'

export default class MemoryStats extends AgentorCommand {
  static override summary = 'Show what the agent\'s memory holds.'
  static override description = 'Documents (and how many are scoped to sessions), the embedder and vector index in use, BM25 vocabulary, the size of the files on disk, and the memory of the ranking core.'
  static override examples = ['<%= config.bin %> memory stats agents/issue-triage.yaml']
  static override args = manifestArg
  static override flags = { json: Flags.boolean({ description: 'print the figures as JSON' }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(MemoryStats)
    const { store } = await openMemory(args.manifest)
    try {
      const stats = store.stats()
      if (flags.json) return void process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`)
      process.stdout.write([
        `store       ${stats.path}`,
        `documents   ${stats.documents} (${stats.scopedDocuments} scoped to ${stats.sessions} session${stats.sessions === 1 ? '' : 's'})`,
        `embedder    ${stats.embedder}${stats.dimension ? `, ${stats.dimension} dimensions` : ''}`,
        `vectors     ${stats.vectorIndex}`,
        `bm25        ${stats.bm25.terms} terms, average length ${stats.bm25.avgdl.toFixed(1)}`,
        `on disk     snapshot ${stats.snapshotBytes} bytes, log ${stats.logBytes} bytes`,
        `in memory   ranking core ${stats.rankingCoreBytes} bytes (BM25${stats.vectorIndex.startsWith('wasm') ? ' and vectors' : ''})`,
        ...stats.notices.map((notice) => `notice      ${notice}`),
      ].join('\n') + '\n')
    } finally {
      await store.close()
    }
  }
}
