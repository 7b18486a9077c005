import { relative } from 'node:path'

/** A path as shown to users: relative to the working directory when inside it, else absolute. */
export function displayPath(absolutePath: string): string {
  const fromCwd = relative(process.cwd(), absolutePath)
  return fromCwd.startsWith('..') || fromCwd === '' ? absolutePath : fromCwd
}
