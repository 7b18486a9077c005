import { Flags } from '@oclif/core'
import { AgentorCommand } from '../../cli/base-command.js'
import { openTranscripts, transcriptLocationFlags } from '../../cli/transcript-location.js'

export default class TranscriptList extends AgentorCommand {
  static override summary = 'List recorded sessions.'
  static override description = 'Lists the sessions in a transcript directory, oldest first, with their runs, events, last status and first task.'
  static override examples = ['<%= config.bin %> transcript list -m agents/hello.yaml', '<%= config.bin %> transcript list --dir .agentor/transcripts --json']
  static override flags = { ...transcriptLocationFlags, json: Flags.boolean({ description: 'print the sessions as JSON' }) }

  async run(): Promise<void> {
    const { flags } = await this.parse(TranscriptList)
    const sessions = (await openTranscripts(flags)).list()
    if (flags.json) return void process.stdout.write(`${JSON.stringify(sessions, null, 2)}\n`)
    if (sessions.length === 0) return void process.stdout.write('no sessions\n')
    for (const session of sessions) {
      process.stdout.write(`${session.sessionId}  ${session.updatedAt}  ${session.runs} run${session.runs === 1 ? '' : 's'}, ${session.events} events  ${session.lastStatus ?? 'running'}  ${session.firstTask ?? ''}\n`)
    }
  }
}
