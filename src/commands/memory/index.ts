import { Args, Flags } from '@oclif/core'
import { AgentorCommand, UsageError } from '../../cli/base-command.js'
import { manifestArg, openMemory } from '../../cli/open-memory.js'
import { plural } from '../../engine/plural.js'

export default class MemoryIndex extends AgentorCommand {
  static override summary = 'Index files into the agent\'s memory.'
  static override description = 'Splits each file into overlapping chunks (`memory.chunk`), embeds them and adds them to the store; a file whose content hash is already stored is skipped, and a changed file\'s chunks are replaced. Takes files, directories (recursively) and globs; gzipped files (`.gz`, as Debian ships its documentation) are read decompressed, and binary, non-UTF-8 or oversized (8 MiB) files are skipped with the reason. With --prune, the chunks of files that were indexed from these paths but are gone (a whole directory may be), no longer matched or now skipped are deleted, so the store mirrors the files.'
  static override examples = ['<%= config.bin %> memory index agents/issue-triage.yaml docs/', "<%= config.bin %> memory index agent.yaml 'notes/**/*.md'", '<%= config.bin %> memory index agents/issue-triage.yaml docs/ --prune']
  static override strict = false
  static override args = { ...manifestArg, paths: Args.string({ description: 'files, directories or globs to index', required: true }) }
  static override flags = { prune: Flags.boolean({ description: 'also delete the chunks of previously indexed files under these paths that this run did not index or find unchanged' }) }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(MemoryIndex)
    const [manifestPath, ...patterns] = argv as string[]
    const [{ listFiles }, { indexFiles }, { pruneUnlisted }] = await Promise.all([import('../../engine/memory/file-list.js'), import('../../engine/memory/file-indexer.js'), import('../../engine/memory/file-prune.js')])
    const { files, unmatched } = await listFiles(patterns)
    if (unmatched.length && !flags.prune) throw new UsageError(`no such file, directory or glob match: ${unmatched.join(', ')}`)
    for (const pattern of unmatched) process.stderr.write(`agentor: nothing matches ${pattern} any more; --prune removes what was indexed from it\n`)
    const { store, manifest } = await openMemory(manifestPath!)
    const started = performance.now()
    try {
      const summary = await indexFiles(store, files, process.cwd(), manifest.memory, (progress) => {
        if (process.stderr.isTTY) process.stderr.write(`\r${bar(progress.done, progress.total)} ${progress.done}/${progress.total} ${progress.file.slice(-50).padEnd(50)}`)
        else if (progress.done === progress.total || progress.done % Math.max(1, Math.ceil(progress.total / 10)) === 0) process.stderr.write(`${progress.done}/${progress.total} files\n`)
      })
      if (process.stderr.isTTY) process.stderr.write('\n')
      for (const skipped of summary.skipped) process.stderr.write(`skipped ${skipped.file}: ${skipped.reason}\n`)
      const pruned = flags.prune ? await pruneUnlisted(store, patterns, summary.kept, process.cwd()) : undefined
      const seconds = (performance.now() - started) / 1000
      const removed = pruned ? `, ${pruned.files} removed (${plural(pruned.chunks, 'chunk')})` : ''
      process.stdout.write(`indexed ${plural(summary.indexed, 'file')} (${plural(summary.chunks, 'chunk')}), ${summary.unchanged} unchanged, ${summary.skipped.length} skipped${removed} in ${seconds.toFixed(1)} s\n`)
    } finally {
      await store.close()
    }
  }
}

function bar(done: number, total: number): string {
  const width = 24
  const filled = Math.round((done / Math.max(1, total)) * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`
}
