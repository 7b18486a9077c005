// Renders the CLI reference from the oclif command classes' own summaries, flags and examples.
import { COMMANDS } from '../../src/commands/index.js'

type FlagLike = { char?: string; description?: string; options?: readonly string[]; default?: unknown; type?: string }
type ArgLike = { description?: string; default?: unknown }

export async function renderCliReference(): Promise<string> {
  return Object.entries(COMMANDS).map(([id, command]) => {
    const name = id.replace(/:/g, ' ')
    const args = Object.entries((command.args ?? {}) as Record<string, ArgLike>)
    const flags = Object.entries((command.flags ?? {}) as Record<string, FlagLike>)
    const usage = `agentor ${name}${args.map(([arg]) => ` [${arg.toUpperCase()}]`).join('')}${flags.length ? ' [FLAGS]' : ''}`
    const lines = [`#### \`agentor ${name}\``, '', command.summary ?? '', '', '```', usage, '```']
    if (command.description) lines.push('', command.description)
    if (args.length || flags.length) {
      lines.push('', '| argument / flag | description |', '|---|---|')
      for (const [arg, spec] of args) lines.push(`| \`${arg.toUpperCase()}\` | ${spec.description ?? ''}${spec.default !== undefined ? ` (default: \`${String(spec.default)}\`)` : ''} |`)
      for (const [flag, spec] of flags) {
        const names = `${spec.char ? `-${spec.char}, ` : ''}--${flag}${spec.type === 'option' ? (spec.options ? ` ${spec.options.join('\\|')}` : ' VALUE') : ''}`
        lines.push(`| \`${names}\` | ${spec.description ?? ''}${spec.default !== undefined && spec.type === 'option' ? ` (default: \`${String(spec.default)}\`)` : ''} |`)
      }
    }
    const examples = (command.examples ?? []) as string[]
    if (examples.length) lines.push('', 'Examples:', '', '```sh', ...examples.map((example) => example.replace('<%= config.bin %>', 'agentor')), '```')
    return lines.join('\n')
  }).join('\n\n')
}
