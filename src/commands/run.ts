import { Args, Flags } from '@oclif/core'
import { AgentorCommand, UsageError } from '../cli/base-command.js'

export default class Run extends AgentorCommand {
  static override summary = 'Run a task through the agent\'s tool-calling loop.'
  static override description = `Loads and validates the manifest, then runs the task: the assistant's text streams to stdout as it arrives; tool calls, retries and failovers are reported on stderr. Every event is appended to the session's JSONL transcript. Exit status: 0 when the task finishes, 1 when it fails (with the reason), 2 on a usage error.`
  static override examples = [
    '<%= config.bin %> run agents/hello.yaml "What is in this repository?"',
    'echo "Summarise README.md" | <%= config.bin %> run agent.yaml',
    '<%= config.bin %> run agent.yaml --session 20261123T221503Z-3f9a1c -i "And the tests?"',
    '<%= config.bin %> run agent.yaml -i "Hi" --json',
  ]
  static override args = {
    manifest: Args.string({ description: 'the agent manifest', required: true }),
    task: Args.string({ description: 'the task (default: --input, else read from stdin)' }),
  }
  static override flags = {
    input: Flags.string({ char: 'i', description: 'the task, instead of the argument (useful when it starts with a dash)' }),
    session: Flags.string({ char: 's', description: 'continue this session, with its earlier messages' }),
    json: Flags.boolean({ description: 'print the result, usage and session id as JSON instead of streaming text' }),
    model: Flags.string({ description: 'use this model name instead of the manifest\'s primary model' }),
    verbose: Flags.boolean({ char: 'v', description: 'also report per-turn usage and the model chain' }),
    yes: Flags.boolean({ char: 'y', description: 'approve every tool call that needs approval, without asking' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Run)
    if (args.task !== undefined && flags.input !== undefined) throw new UsageError('two tasks: give the task as an argument or with --input, not both')
    const task = (args.task ?? flags.input ?? (await readTaskFromStdin()))?.trimEnd()
    if (!task?.trim()) throw new UsageError('no task: give it as an argument, with --input or on stdin')
    const [{ loadManifest, ManifestInvalidError }, { compile }, { assertSessionId }, render, { createStyle }, { renderReports }] = await Promise.all([
      import('../engine/manifest/load.js'), import('../engine/compile.js'), import('../engine/transcript/session-id.js'),
      import('../cli/render-events.js'), import('../cli/style.js'), import('../cli/render-diagnostics.js'),
    ])
    if (flags.session) assertSessionId(flags.session)
    const errStyle = createStyle(process.stderr)
    let loaded
    try {
      loaded = await loadManifest(args.manifest)
    } catch (error) {
      if (!(error instanceof ManifestInvalidError)) throw error
      process.stderr.write(renderReports(error.reports, 'pretty', errStyle))
      return this.exit(1)
    }
    const approvalChannel = await chooseApprovalChannel(loaded.manifest.approval.channel, flags.yes, Boolean(process.stderr.isTTY) && !process.env.NO_COLOR)
    const engine = await compile(loaded.manifest, {
      manifestPath: args.manifest, approvalChannel, onNotice: (message) => process.stderr.write(`agentor: ${message}\n`),
      ...(flags.model ? { modelName: flags.model } : {}),
    })
    const controller = new AbortController()
    process.once('SIGINT', () => controller.abort(new Error('interrupted')))
    let endsWithNewline = true
    const result = await engine.run(task, {
      ...(flags.session ? { sessionId: flags.session } : {}),
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'text_delta') {
          if (!flags.json) process.stdout.write(event.text)
          endsWithNewline = event.text.endsWith('\n')
          return
        }
        const line = render.describeEvent(event, errStyle, flags.verbose)
        if (!line) return
        if (!endsWithNewline && !flags.json) { process.stdout.write('\n'); endsWithNewline = true }
        process.stderr.write(`${line}\n`)
      },
    }).finally(() => engine.close())
    if (flags.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
    else {
      if (!endsWithNewline) process.stdout.write('\n')
      process.stderr.write(`${render.describeResult(result, errStyle)}\n`)
    }
    if (result.status !== 'completed') this.exit(1)
  }
}

/**
 * `--yes` and `approval.channel: auto` approve; `stdin` asks on the terminal when there is one.
 * Otherwise nobody can be asked, so calls that need approval are denied (fail closed).
 */
async function chooseApprovalChannel(channel: string, yes: boolean, color: boolean) {
  const { createAutoApprovalChannel, createUnavailableApprovalChannel } = await import('../engine/approval/auto-channel.js')
  if (yes) return createAutoApprovalChannel('--yes')
  if (channel === 'auto') return createAutoApprovalChannel('approval.channel: auto')
  if (channel === 'stdin' && process.stdin.isTTY) {
    const { createStdinApprovalChannel } = await import('../engine/approval/stdin-channel.js')
    return createStdinApprovalChannel({ input: process.stdin, output: process.stderr, reviewer: process.env.USER ?? process.env.USERNAME ?? 'cli-user', color })
  }
  const why = channel === 'stdin' ? 'there is no terminal to ask on' : `the ${channel} channel is only available under \`agentor serve\``
  return createUnavailableApprovalChannel(`approval needed, but ${why}; run with --yes to approve every call, or set approval.channel: auto`)
}

async function readTaskFromStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
