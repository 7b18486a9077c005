import { constants } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import type { Skill } from '../contract.js'
import { SkillError } from '../contract.js'
import { displayPath, resolveInWorkspace, toSkillError } from '../guards/workspace-path.js'

/** How much of the file's start is inspected to tell text from binary. */
export const BINARY_SNIFF_BYTES = 8192

/** True when `sample` (the start of a file) has a NUL byte or is not valid UTF-8. A sequence cut at the end of the sample is not counted. */
export function looksBinary(sample: Uint8Array): boolean {
  if (sample.includes(0)) return true
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: true })
    return false
  } catch {
    return true
  }
}

/** Largest `n <= end` that does not cut a UTF-8 sequence in `bytes` (which starts on a character boundary). */
function utf8Boundary(bytes: Uint8Array, end: number): number {
  let start = end
  // Step back over continuation bytes to the lead byte of the last character.
  while (start > 0 && start > end - 4 && (bytes[start - 1]! & 0xc0) === 0x80) start--
  if (start === 0) return end
  const lead = bytes[start - 1]!
  const width = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
  return start - 1 + width > end ? start - 1 : end
}

export const fileReadSkill: Skill = {
  name: 'file_read',
  description: 'Read a UTF-8 text file inside the workspace. Long files are truncated (the result says so); use `offset` to read further. Binary files are reported, not shown.',
  risk: 'low',
  parameters: {
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    properties: {
      path: { type: 'string', minLength: 1, description: 'File path, relative to the workspace.' },
      offset: { type: 'integer', minimum: 0, description: 'Byte offset to start reading at (default 0).' },
      maxBytes: { type: 'integer', minimum: 1, description: 'Most bytes to return; the configured limit applies if smaller.' },
    },
  },
  async invoke(args, context) {
    const requested = args.path as string
    const offset = (args.offset as number | undefined) ?? 0
    const limit = Math.min(context.settings.files.maxReadBytes, (args.maxBytes as number | undefined) ?? Number.POSITIVE_INFINITY)

    const real = await resolveInWorkspace(context.workspace, requested, { mustExist: true })
    const shown = displayPath(context.workspace, real)
    try {
      return await readText(real, shown, offset, limit)
    } catch (error) {
      throw toSkillError(error, 'read', shown)
    }
  },
}

async function readText(real: string, shown: string, offset: number, limit: number): Promise<string> {
  const info = await stat(real)
  if (info.isDirectory()) throw new SkillError(`'${shown}' is a directory; use list_dir to see its entries`)
  if (!info.isFile()) throw new SkillError(`'${shown}' is not a regular file`)

  const handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    const opened = await handle.stat()
    if (!opened.isFile()) throw new SkillError(`'${shown}' is not a regular file`)
    const size = opened.size
    if (size === 0) return '[empty file]'

    const sniff = Buffer.alloc(Math.min(BINARY_SNIFF_BYTES, size))
    const { bytesRead: sniffed } = await handle.read(sniff, 0, sniff.length, 0)
    if (looksBinary(sniff.subarray(0, sniffed))) return `binary file, ${size} bytes: '${shown}' (not shown)`

    if (offset >= size) return `[offset ${offset} is at or past the end of '${shown}' (${size} bytes)]`
    const wanted = Math.min(size - offset, limit)
    const buffer = Buffer.alloc(wanted)
    let filled = 0
    while (filled < wanted) {
      const { bytesRead } = await handle.read(buffer, filled, wanted - filled, offset + filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    let bytes = buffer.subarray(0, filled)
    let skipped = 0
    // Start and end on character boundaries when reading a slice.
    while (offset > 0 && skipped < Math.min(3, bytes.length) && (bytes[skipped]! & 0xc0) === 0x80) skipped++
    bytes = bytes.subarray(skipped)
    const end = offset + skipped + bytes.length < size ? utf8Boundary(bytes, bytes.length) : bytes.length
    bytes = bytes.subarray(0, end)
    const text = new TextDecoder('utf-8').decode(bytes)

    const first = offset + skipped
    const last = first + bytes.length
    if (first === 0 && last >= size) return text
    const more = last < size ? `; read on with offset=${last}` : ''
    return `${text}\n[truncated: showing ${bytes.length} of ${size} bytes (bytes ${first}-${last})${more}]`
  } finally {
    await handle.close()
  }
}
