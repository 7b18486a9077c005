import { Flags } from '@oclif/core'
import { AgentorCommand } from '../cli/base-command.js'

export default class Schema extends AgentorCommand {
  static override summary = 'Print the manifest JSON Schema.'
  static override description = 'Prints the JSON Schema that manifests are validated against, for editors and other tools. Point the YAML language server at it with a first line such as `# yaml-language-server: $schema=./agent.schema.json`.'
  static override examples = ['<%= config.bin %> schema > agent.schema.json', '<%= config.bin %> schema --path']
  static override flags = {
    path: Flags.boolean({ description: 'print the path of the installed schema file instead of its contents' }),
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Schema)
    const { MANIFEST_SCHEMA_PATH, manifestSchemaText } = await import('../engine/manifest/schema-file.js')
    process.stdout.write(flags.path ? `${MANIFEST_SCHEMA_PATH}\n` : manifestSchemaText())
  }
}
