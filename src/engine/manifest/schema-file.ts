import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The manifest JSON Schema shipped with agentor, found from wherever this code runs (src, dist, or the CLI bundle). */
export const MANIFEST_SCHEMA_PATH = findUpwards(dirname(fileURLToPath(import.meta.url)), join('schemas', 'agent.schema.json'))

let cached: Record<string, unknown> | undefined

export function manifestSchemaText(): string {
  return readFileSync(MANIFEST_SCHEMA_PATH, 'utf8')
}

export function manifestSchema(): Record<string, unknown> {
  cached ??= JSON.parse(manifestSchemaText()) as Record<string, unknown>
  return cached
}

function findUpwards(start: string, relativePath: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, relativePath)
    if (existsSync(candidate)) return candidate
    if (dirname(dir) === dir) throw new Error(`cannot find ${relativePath} above ${start}`)
  }
}
