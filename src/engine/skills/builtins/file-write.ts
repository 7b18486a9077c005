import { constants } from 'node:fs'
import { lstat, open, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { atomicReplace } from '../../fs/atomic-replace.js'
import type { Skill } from '../contract.js'
import { SkillError } from '../contract.js'
import { displayPath, resolveInWorkspace, toSkillError } from '../guards/workspace-path.js'

async function appendTo(target: string, data: Buffer, shown: string): Promise<void> {
  const handle = await open(target, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o666)
  try {
    const opened = await handle.stat()
    if (!opened.isFile()) throw new SkillError(`'${shown}' is not a regular file`)
    await handle.writeFile(data)
  } finally {
    await handle.close()
  }
}

export const fileWriteSkill: Skill = {
  name: 'file_write',
  description: 'Write a UTF-8 text file inside the workspace, replacing it atomically (or appending with `append`). Missing parent directories are created only with `createDirs`.',
  risk: 'medium',
  parameters: {
    type: 'object',
    additionalProperties: false,
    required: ['path', 'content'],
    properties: {
      path: { type: 'string', minLength: 1, description: 'File path, relative to the workspace.' },
      content: { type: 'string', description: 'Text to write (UTF-8).' },
      append: { type: 'boolean', description: 'Append to the file instead of replacing it (default false).' },
      createDirs: { type: 'boolean', description: 'Create missing parent directories (default false).' },
    },
  },
  async invoke(args, context) {
    const requested = args.path as string
    const content = args.content as string
    const append = (args.append as boolean | undefined) ?? false
    const createDirs = (args.createDirs as boolean | undefined) ?? false

    const data = Buffer.from(content, 'utf8')
    const limit = context.settings.files.maxWriteBytes
    if (data.length > limit) throw new SkillError(`content is ${data.length} bytes, over the ${limit}-byte write limit`)

    const real = await resolveInWorkspace(context.workspace, requested, { forWrite: true, createDirs })
    const shown = displayPath(context.workspace, real)

    try {
      await writeChecked(context.workspace, real, shown, data, append)
    } catch (error) {
      throw toSkillError(error, 'write', shown)
    }
    return `${append ? 'appended' : 'wrote'} ${data.length} bytes to '${shown}'`
  },
}

async function writeChecked(workspace: string, real: string, shown: string, data: Buffer, append: boolean): Promise<void> {
  let mode: number | undefined
  const existing = await lstat(real).catch(() => undefined)
  if (existing) {
    if (existing.isDirectory()) throw new SkillError(`'${shown}' is a directory`)
    if (!existing.isFile()) throw new SkillError(`'${shown}' is not a regular file`)
    mode = existing.mode & 0o777
  } else {
    const parent = await stat(dirname(real)).catch(() => undefined)
    if (!parent) throw new SkillError(`directory '${displayPath(workspace, dirname(real))}' does not exist; pass createDirs: true to create it`)
    if (!parent.isDirectory()) throw new SkillError(`'${displayPath(workspace, dirname(real))}' is not a directory`)
  }
  if (append) await appendTo(real, data, shown)
  else await atomicReplace(real, data, mode)
}
