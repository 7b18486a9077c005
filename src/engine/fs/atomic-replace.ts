import { randomBytes } from 'node:crypto'
import { constants } from 'node:fs'
import { open, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/** Writes `data` to a new temporary file beside `target`, then renames it over `target`: readers see the old or the new content, never a mix. */
export async function atomicReplace(target: string, data: Buffer, mode?: number): Promise<void> {
  const temp = join(dirname(target), `.${basename(target).slice(0, 100)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`)
  // O_EXCL (with O_CREAT) never follows a symlink planted at the temp name.
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o666)
  try {
    try {
      // Keep the permissions of the file being replaced (umask does not apply to chmod).
      if (mode !== undefined) await handle.chmod(mode)
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await rename(temp, target)
  } catch (error) {
    await unlink(temp).catch(() => undefined)
    throw error
  }
}
