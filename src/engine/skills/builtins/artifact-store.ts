import { constants } from 'node:fs'
import { lstat, mkdir, open, readdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { atomicReplace } from '../../fs/atomic-replace.js'
import type { Skill } from '../contract.js'
import { SkillError } from '../contract.js'

/** Largest artifact, in bytes of UTF-8. */
export const MAX_ARTIFACT_BYTES = 10 * 1024 * 1024
/** Most artifacts one session may keep. */
export const MAX_ARTIFACTS = 200
/** Valid artifact names. Temp files start with `.`, so they can never be taken for an artifact. */
export const ARTIFACT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

const ACTIONS = ['put', 'get', 'list', 'delete'] as const
type Action = (typeof ACTIONS)[number]

export interface ArtifactInfo {
  name: string
  size: number
  modified: Date
}

/** Throws a SkillError unless `name` is a valid artifact name. */
export function checkArtifactName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new SkillError('name is required for this action')
  const shown = JSON.stringify(name.slice(0, 140))
  if (!ARTIFACT_NAME.test(name)) {
    throw new SkillError(`invalid artifact name ${shown}: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit (no '/')`)
  }
  if (name.includes('..')) throw new SkillError(`invalid artifact name ${shown}: '..' is not allowed`)
  return name
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code
}

/** The session's artifacts, sorted by name; an artifact directory not created yet holds none. */
export async function listArtifacts(dir: string): Promise<ArtifactInfo[]> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    if (code(error) === 'ENOENT') return []
    throw new SkillError(`cannot list artifacts: ${code(error) ?? 'unexpected error'}`)
  }
  const found: ArtifactInfo[] = []
  for (const name of names.sort()) {
    if (!ARTIFACT_NAME.test(name) || name.includes('..')) continue
    const info = await lstat(join(dir, name)).catch(() => undefined)
    if (info?.isFile()) found.push({ name, size: info.size, modified: info.mtime })
  }
  return found
}

function existing(artifacts: ArtifactInfo[]): string {
  if (artifacts.length === 0) return 'no artifacts are stored yet'
  const names = artifacts.slice(0, 50).map((artifact) => artifact.name).join(', ')
  return `stored: ${names}${artifacts.length > 50 ? `, … (${artifacts.length} in all)` : ''}`
}

async function notFound(dir: string, name: string): Promise<SkillError> {
  return new SkillError(`no artifact named '${name}'; ${existing(await listArtifacts(dir))}`)
}

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

export const artifactStoreSkill: Skill = {
  name: 'artifact_store',
  description: `Keep named outputs of this session (reports, plans, intermediate results) and read them back later, even after the session is resumed. Actions: put (name, content), get (name), list, delete (name). Names: letters, digits, '.', '_', '-'; at most ${MAX_ARTIFACTS} artifacts of up to 10 MiB each.`,
  risk: 'low',
  parameters: {
    type: 'object',
    additionalProperties: false,
    required: ['action'],
    properties: {
      action: { type: 'string', enum: [...ACTIONS], description: 'put stores (replacing an artifact of the same name), get returns the content, list shows names with sizes and times, delete removes one.' },
      name: { type: 'string', maxLength: 128, description: 'Artifact name, e.g. `report.md` (needed for put, get and delete).' },
      content: { type: 'string', description: 'Text to store (put only).' },
    },
  },
  async invoke(args, context) {
    const action = args.action as Action
    const dir = context.artifactDir
    switch (action) {
      case 'put': {
        const name = checkArtifactName(args.name)
        if (typeof args.content !== 'string') throw new SkillError('put needs content (a string; it may be empty)')
        const data = Buffer.from(args.content, 'utf8')
        if (data.length > MAX_ARTIFACT_BYTES) throw new SkillError(`content is ${data.length} bytes, over the ${MAX_ARTIFACT_BYTES}-byte artifact limit`)
        await mkdir(dir, { recursive: true, mode: 0o700 }).catch((error: unknown) => {
          throw new SkillError(`cannot create the artifact directory: ${code(error) ?? 'unexpected error'}`)
        })
        const artifacts = await listArtifacts(dir)
        const replacing = artifacts.some((artifact) => artifact.name === name)
        if (!replacing && artifacts.length >= MAX_ARTIFACTS) {
          throw new SkillError(`this session already keeps ${artifacts.length} artifacts (the limit is ${MAX_ARTIFACTS}); delete one or replace an existing name`)
        }
        const target = join(dir, name)
        const info = await lstat(target).catch(() => undefined)
        if (info && !info.isFile()) throw new SkillError(`cannot store '${name}': something other than an artifact is in the way`)
        try {
          await atomicReplace(target, data, 0o600)
        } catch (error) {
          throw new SkillError(`cannot store '${name}': ${code(error) ?? 'unexpected error'}`)
        }
        return `${replacing ? 'replaced' : 'stored'} artifact '${name}' (${data.length} bytes)`
      }
      case 'get': {
        const name = checkArtifactName(args.name)
        let handle
        try {
          handle = await open(join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
        } catch (error) {
          if (code(error) === 'ENOENT' || code(error) === 'ELOOP') throw await notFound(dir, name)
          throw new SkillError(`cannot read '${name}': ${code(error) ?? 'unexpected error'}`)
        }
        try {
          const info = await handle.stat()
          if (!info.isFile()) throw await notFound(dir, name)
          if (info.size > MAX_ARTIFACT_BYTES) throw new SkillError(`artifact '${name}' is ${info.size} bytes, over the ${MAX_ARTIFACT_BYTES}-byte limit`)
          const text = (await handle.readFile()).toString('utf8')
          return text === '' ? `[artifact '${name}' is empty]` : text
        } finally {
          await handle.close()
        }
      }
      case 'list': {
        const artifacts = await listArtifacts(dir)
        if (artifacts.length === 0) return '[no artifacts stored in this session]'
        const width = Math.max(...artifacts.map((artifact) => artifact.name.length))
        const lines = artifacts.map((artifact) => `${artifact.name.padEnd(width)}  ${String(artifact.size).padStart(9)} bytes  ${artifact.modified.toISOString()}`)
        const total = artifacts.reduce((sum, artifact) => sum + artifact.size, 0)
        return `${lines.join('\n')}\n[${artifacts.length} artifact${artifacts.length === 1 ? '' : 's'}, ${formatSize(total)} in all]`
      }
      case 'delete': {
        const name = checkArtifactName(args.name)
        const target = join(dir, name)
        const info = await lstat(target).catch(() => undefined)
        if (!info?.isFile()) throw await notFound(dir, name)
        try {
          await unlink(target)
        } catch (error) {
          if (code(error) === 'ENOENT') throw await notFound(dir, name)
          throw new SkillError(`cannot delete '${name}': ${code(error) ?? 'unexpected error'}`)
        }
        return `deleted artifact '${name}'`
      }
      default:
        throw new SkillError(`unknown action '${String(action)}'; use ${ACTIONS.join(', ')}`)
    }
  },
}
