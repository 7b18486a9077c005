import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', '.agentor'])

/** Files named directly, found under directories (recursively, skipping hidden ones), or matched by globs. */
export async function listFiles(patterns: readonly string[]): Promise<{ files: string[]; unmatched: string[] }> {
  const files: string[] = []
  const unmatched: string[] = []
  for (const pattern of patterns) {
    if (existsSync(pattern)) {
      files.push(...(statSync(pattern).isDirectory() ? filesUnder(pattern) : [pattern]))
      continue
    }
    const { glob } = await import('tinyglobby')
    const matches = (await glob(pattern, { onlyFiles: true, ignore: ['**/node_modules/**', '**/.git/**'] })).sort()
    if (matches.length === 0) unmatched.push(pattern)
    files.push(...matches)
  }
  return { files: [...new Set(files)], unmatched }
}

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name)).flatMap((entry) => {
    const path = join(directory, entry.name)
    if (entry.isDirectory()) return entry.name.startsWith('.') || SKIPPED_DIRECTORIES.has(entry.name) ? [] : filesUnder(path)
    return entry.isFile() ? [path] : []
  })
}
