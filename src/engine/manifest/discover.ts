import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

const MANIFEST_MARKER = /^agentor\s*:|^#\s*yaml-language-server:\s*\$schema=\S*agent\.schema\.json/m
const YAML_FILE = /\.ya?ml$/i
const SKIPPED_DIRECTORIES = new Set(['node_modules', '.git', 'dist'])

export interface DiscoveredManifests {
  files: string[]
  /** Arguments that named no file, directory or glob match. */
  unmatched: string[]
}

/**
 * Expands validate's arguments: files are taken as given; directories are searched recursively for
 * YAML files that declare themselves manifests (an `agentor:` key or the schema modeline); anything
 * else is a glob.
 */
export async function discoverManifests(paths: readonly string[]): Promise<DiscoveredManifests> {
  const files: string[] = []
  const unmatched: string[] = []
  for (const path of paths) {
    if (existsSync(path)) {
      if (statSync(path).isDirectory()) files.push(...manifestsUnder(path))
      else files.push(path)
      continue
    }
    const { glob } = await import('tinyglobby')
    const matches = (await glob(path, { onlyFiles: true, ignore: ['**/node_modules/**'] })).filter((file) => YAML_FILE.test(file)).sort()
    if (matches.length === 0) unmatched.push(path)
    files.push(...matches)
  }
  return { files: [...new Set(files)], unmatched }
}

function manifestsUnder(directory: string): string[] {
  const found: string[] = []
  for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(directory, entry.name)
    if (entry.isDirectory()) {
      if (!entry.name.startsWith('.') && !SKIPPED_DIRECTORIES.has(entry.name)) found.push(...manifestsUnder(path))
    } else if (entry.isFile() && YAML_FILE.test(entry.name) && declaresManifest(path)) {
      found.push(path)
    }
  }
  return found
}

function declaresManifest(file: string): boolean {
  try {
    return MANIFEST_MARKER.test(readFileSync(file, 'utf8').slice(0, 65536))
  } catch {
    return false
  }
}
