import { Args, Flags } from '@oclif/core'
import { AgentorCommand, UsageError } from '../cli/base-command.js'
import type { DiagnosticFormat } from '../cli/render-diagnostics.js'

export default class Validate extends AgentorCommand {
  static override summary = 'Check manifests against the schema and their cross-references.'
  static override description = `Reads each manifest, interpolates \${VAR} references, checks it against the JSON Schema and then checks what it refers to: skills, tool groups, approval rules, sub-agent manifests (recursively), cron expressions, timezones and webhook templates. Every problem is reported with file:line:column, its JSON path and a hint.

Directories are searched recursively for YAML files that declare themselves manifests (an \`agentor:\` key). Exit status: 0 when every manifest is valid (warnings allowed), 1 when any is invalid, 2 on a usage error.`
  static override examples = [
    '<%= config.bin %> validate agents/',
    '<%= config.bin %> validate agent.yaml --format json',
    "<%= config.bin %> validate 'agents/**/*.yaml' --format github",
  ]
  static override strict = false
  static override args = { paths: Args.string({ description: 'manifest files, directories or globs (default: the current directory)' }) }
  static override flags = {
    format: Flags.string({ char: 'f', description: 'output format', options: ['pretty', 'json', 'github'], default: 'pretty' }),
  }

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Validate)
    const [{ discoverManifests }, { validateManifests }, { hasErrors }, { renderReports }, { createStyle }] = await Promise.all([
      import('../engine/manifest/discover.js'), import('../engine/manifest/validate.js'), import('../engine/manifest/diagnostics.js'),
      import('../cli/render-diagnostics.js'), import('../cli/style.js'),
    ])
    const paths = argv.length ? (argv as string[]) : ['.']
    const { files, unmatched } = await discoverManifests(paths)
    if (unmatched.length) throw new UsageError(`no such file, directory or glob match: ${unmatched.join(', ')}`)
    if (files.length === 0) throw new UsageError(`no agentor manifests found under ${paths.join(', ')} (a manifest has a top-level \`agentor: 1\` key)`)
    const reports = await validateManifests(files)
    process.stdout.write(renderReports(reports, flags.format as DiagnosticFormat, createStyle(process.stdout)))
    if (reports.some((report) => hasErrors(report.diagnostics))) this.exit(1)
  }
}
