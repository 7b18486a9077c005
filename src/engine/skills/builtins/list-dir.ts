import type { Dirent } from 'node:fs'
import { readdir, readlink, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Skill } from '../contract.js'
import { SkillError } from '../contract.js'
import { displayPath, resolveInWorkspace, toSkillError } from '../guards/workspace-path.js'

export const DEFAULT_MAX_ENTRIES = 500
export const MAX_ENTRIES_LIMIT = 10000

function byName(a: Dirent, b: Dirent): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}

export const listDirSkill: Skill = {
  name: 'list_dir',
  description: 'List a directory inside the workspace, sorted; directories end with `/`, symbolic links show ` -> target` and are never followed.',
  risk: 'low',
  parameters: {
    type: 'object',
    additionalProperties: false,
    properties: {
      path: { type: 'string', description: 'Directory path, relative to the workspace (default: the workspace itself).' },
      recursive: { type: 'boolean', description: 'List subdirectories too (default false).' },
      maxEntries: { type: 'integer', minimum: 1, maximum: MAX_ENTRIES_LIMIT, description: `Most entries to list (default ${DEFAULT_MAX_ENTRIES}).` },
    },
  },
  async invoke(args, context) {
    const requested = (args.path as string | undefined) ?? '.'
    const recursive = (args.recursive as boolean | undefined) ?? false
    const maxEntries = Math.min((args.maxEntries as number | undefined) ?? DEFAULT_MAX_ENTRIES, MAX_ENTRIES_LIMIT)

    const real = await resolveInWorkspace(context.workspace, requested, { mustExist: true })
    const shown = displayPath(context.workspace, real)
    const info = await stat(real).catch((error: unknown) => { throw toSkillError(error, 'list', shown) })
    if (!info.isDirectory()) throw new SkillError(`'${shown}' is not a directory`)

    const lines: string[] = []
    let capped = false

    const visit = async (dir: string, prefix: string): Promise<void> => {
      let entries: Dirent[]
      try {
        entries = await readdir(dir, { withFileTypes: true })
      } catch (error) {
        if (prefix === '') throw toSkillError(error, 'list', shown)
        lines.push(`${prefix}[unreadable: ${(error as NodeJS.ErrnoException).code ?? 'error'}]`)
        return
      }
      entries.sort(byName)
      for (const entry of entries) {
        if (context.signal.aborted) throw new SkillError('listing aborted')
        if (lines.length >= maxEntries) { capped = true; return }
        const name = prefix + entry.name
        if (entry.isSymbolicLink()) {
          const target = await readlink(join(dir, entry.name)).catch(() => '?')
          lines.push(`${name} -> ${target}`)
        } else if (entry.isDirectory()) {
          lines.push(`${name}/`)
          if (recursive) {
            await visit(join(dir, entry.name), `${name}/`)
            if (capped) return
          }
        } else {
          lines.push(name)
        }
      }
    }
    await visit(real, '')

    if (lines.length === 0) return `[empty directory: '${shown}']`
    if (capped) lines.push(`[listing capped at ${maxEntries} entries; more not shown${recursive ? ' — list a subdirectory or raise maxEntries' : ''}]`)
    return lines.join('\n')
  },
}
