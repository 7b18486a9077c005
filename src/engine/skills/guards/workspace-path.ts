import { lstat, mkdir, readlink, realpath } from 'node:fs/promises'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { SkillError } from '../contract.js'

export interface ResolveOptions {
  /** Refuse (SkillError "not found") when the path does not exist. */
  mustExist?: boolean
  /** The caller will create or replace the file: its nearest existing ancestor must be a directory inside the workspace. */
  forWrite?: boolean
  /** With `forWrite`: create missing parent directories, one at a time, after the confinement check. */
  createDirs?: boolean
}

/** Longest path accepted, in characters (PATH_MAX on Linux is 4096 bytes). */
export const MAX_PATH_LENGTH = 4096
/** Symlinks followed while resolving one path, as the kernel's ELOOP limit. */
const MAX_SYMLINK_HOPS = 40

/** True when `target` is `root` or lies below it. Both must be absolute and normalized. */
export function isInside(root: string, target: string): boolean {
  if (target === root) return true
  const rel = relative(root, target)
  return rel !== '' && !rel.startsWith('..' + sep) && rel !== '..' && !isAbsolute(rel)
}

/** `target` relative to the workspace for messages: `.` for the workspace itself, never an absolute host path. */
export function displayPath(workspace: string, target: string): string {
  const rel = relative(workspace, target)
  if (rel === '') return '.'
  if (rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) return '<outside the workspace>'
  return rel
}

interface Walked {
  /** Absolute path with every existing component free of symlinks. */
  path: string
  /** Deepest existing directory on the way (a real path). */
  existingAncestor: string
  exists: boolean
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code
}

/**
 * Resolves `abs` component by component, following symlinks itself (including dangling ones,
 * whose target is where a write would land), so the result names what the kernel would touch.
 */
async function walk(abs: string, shown: string, hops: number): Promise<Walked> {
  const parts = abs.split(sep).filter((part) => part !== '')
  let current: string = sep
  for (let index = 0; index < parts.length; index++) {
    const next = join(current, parts[index]!)
    let stats
    try {
      stats = await lstat(next)
    } catch (error) {
      const code = errorCode(error)
      if (code === 'ENOENT') {
        return { path: join(next, ...parts.slice(index + 1)), existingAncestor: current, exists: false }
      }
      if (code === 'ENOTDIR') throw new SkillError(`not a directory: a parent of '${shown}' is a file`)
      if (code === 'ENAMETOOLONG') throw new SkillError(`path too long: '${shown.slice(0, 100)}…'`)
      if (code === 'EACCES') throw new SkillError(`permission denied: '${shown}'`)
      throw error
    }
    if (stats.isSymbolicLink()) {
      if (hops >= MAX_SYMLINK_HOPS) throw new SkillError(`too many levels of symbolic links: '${shown}'`)
      const target = await readlink(next)
      // `current` has no symlinks, so `..` in the target is resolved exactly as the kernel would.
      return walk(resolve(current, target, ...parts.slice(index + 1)), shown, hops + 1)
    }
    if (index < parts.length - 1 && !stats.isDirectory()) {
      throw new SkillError(`not a directory: a parent of '${shown}' is a file`)
    }
    current = next
  }
  return { path: current, existingAncestor: dirname(current), exists: true }
}

/**
 * Resolves `requested` (relative to the workspace, or absolute inside it) to an absolute path with
 * symlinks resolved, refusing anything that leaves the workspace: `..` escapes, absolute paths
 * elsewhere, symlinks anywhere in the chain (dangling ones included) that point outside, NUL bytes.
 * Messages name paths relative to the workspace only.
 */
export async function resolveInWorkspace(workspace: string, requested: string, options: ResolveOptions = {}): Promise<string> {
  try {
    return await resolveChecked(workspace, requested, options)
  } catch (error) {
    throw toSkillError(error, 'resolve', requested.replace(/\0/g, '\\0').slice(0, 200))
  }
}

async function resolveChecked(workspace: string, requested: string, options: ResolveOptions): Promise<string> {
  if (requested.includes('\0')) throw new SkillError('path contains a NUL byte')
  if (requested.length > MAX_PATH_LENGTH) throw new SkillError(`path too long (${requested.length} characters, limit ${MAX_PATH_LENGTH})`)
  const root = await realpath(workspace)
  const lexical = resolve(root, requested === '' ? '.' : requested)
  if (!isInside(root, lexical)) throw new SkillError(`path '${requested}' is outside the workspace`)
  const shown = displayPath(root, lexical)

  let walked = await walk(lexical, shown, 0)
  if (!isInside(root, walked.path)) throw new SkillError(`path '${shown}' resolves outside the workspace (through a symbolic link)`)
  if (!walked.exists) {
    if (options.mustExist) throw new SkillError(`not found: '${shown}'`)
    if (!isInside(root, walked.existingAncestor)) throw new SkillError(`path '${shown}' resolves outside the workspace`)
    if (options.forWrite && options.createDirs) {
      await createParents(root, walked, shown)
      walked = await walk(lexical, shown, 0)
      if (!isInside(root, walked.path) || !isInside(root, walked.existingAncestor)) {
        throw new SkillError(`path '${shown}' resolves outside the workspace`)
      }
    }
  }
  return walked.path
}

/** Creates the missing directories between the (checked) existing ancestor and the file, without following symlinks. */
async function createParents(root: string, walked: Walked, shown: string): Promise<void> {
  const parent = dirname(walked.path)
  const missing = relative(walked.existingAncestor, parent).split(sep).filter((part) => part !== '')
  let current = walked.existingAncestor
  for (const part of missing) {
    current = join(current, part)
    if (!isInside(root, current)) throw new SkillError(`path '${shown}' resolves outside the workspace`)
    try {
      await mkdir(current)
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw new SkillError(`cannot create directory '${displayPath(root, current)}': ${errorCode(error) ?? String(error)}`)
      const stats = await lstat(current)
      if (!stats.isDirectory()) throw new SkillError(`cannot create directory '${displayPath(root, current)}': something else is in the way`)
    }
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ENOSPC: 'no space left on device',
  EROFS: 'read-only file system',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'name too long',
  EEXIST: 'already exists',
}

/**
 * Turns a file-system error into a SkillError naming the workspace-relative path. Node's own
 * messages carry absolute host paths, so they are never passed on. SkillErrors pass through.
 */
export function toSkillError(error: unknown, action: string, shown: string): SkillError {
  if (error instanceof SkillError) return error
  const code = (error as NodeJS.ErrnoException | undefined)?.code
  const text = code ? (ERRNO_TEXT[code] ?? code) : 'unexpected error'
  return new SkillError(`cannot ${action} '${shown}': ${text}`)
}
