import { Args, Flags } from '@oclif/core'
import { AgentorCommand } from '../../cli/base-command.js'
import { openTranscripts, transcriptLocationFlags } from '../../cli/transcript-location.js'

export default class TranscriptShow extends AgentorCommand {
  static override summary = 'Show one session\'s transcript.'
  static override description = 'Prints a session\'s events readably (or as JSON lines with --json). Lines that cannot be parsed are skipped with a warning on stderr.'
  static override examples = ['<%= config.bin %> transcript show 20261123T221503Z-3f9a1c -m agents/hello.yaml', '<%= config.bin %> transcript show 20261123T221503Z-3f9a1c --json']
  static override args = { session: Args.string({ description: 'the session id', required: true }) }
  static override flags = { ...transcriptLocationFlags, json: Flags.boolean({ description: 'print the entries as JSON lines' }) }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(TranscriptShow)
    const [{ AgentorError }, { createStyle }, { describeEntry }] = await Promise.all([
      import('../../engine/errors.js'), import('../../cli/style.js'), import('../../cli/render-transcript.js'),
    ])
    const { entries, warnings } = (await openTranscripts(flags)).read(args.session)
    for (const warning of warnings) process.stderr.write(`warning: skipped ${warning}\n`)
    if (entries.length === 0) throw new AgentorError('E_SESSION_NOT_FOUND', `no transcript for session ${args.session}`, 'list sessions with `agentor transcript list`')
    const style = createStyle(process.stdout)
    for (const entry of entries) process.stdout.write(flags.json ? `${JSON.stringify(entry)}\n` : describeEntry(entry, style))
  }
}
