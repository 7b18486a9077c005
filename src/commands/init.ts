import { Args, Flags } from '@oclif/core'
import { AgentorCommand, UsageError } from '../cli/base-command.js'

export default class Init extends AgentorCommand {
  static override summary = 'Write a commented starter manifest.'
  static override description = 'Writes <name>.yaml (default: agent.yaml) in the current directory: a manifest that validates as written and runs offline on the scripted model, with comments showing where a real model goes.'
  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init triage --dir agents']
  static override args = { name: Args.string({ description: 'agent name (lowercase letters, digits, - and _)', default: 'agent' }) }
  static override flags = {
    dir: Flags.string({ description: 'directory to write into', default: '.' }),
    force: Flags.boolean({ description: 'overwrite an existing file' }),
  }

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Init)
    if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(args.name)) throw new UsageError(`invalid agent name \`${args.name}\`: use lowercase letters, digits, - and _`)
    const [{ existsSync, mkdirSync, writeFileSync }, { join, relative }, { MANIFEST_SCHEMA_PATH }, { starterManifest }] = await Promise.all([
      import('node:fs'), import('node:path'), import('../engine/manifest/schema-file.js'), import('../engine/manifest/starter.js'),
    ])
    const file = join(flags.dir, `${args.name}.yaml`)
    if (existsSync(file) && !flags.force) throw new UsageError(`${file} already exists (use --force to overwrite)`)
    mkdirSync(flags.dir, { recursive: true })
    const schemaReference = relative(flags.dir, MANIFEST_SCHEMA_PATH)
    writeFileSync(file, starterManifest(args.name, schemaReference))
    process.stdout.write(`wrote ${file}\nnext: agentor validate ${file}\n`)
  }
}
