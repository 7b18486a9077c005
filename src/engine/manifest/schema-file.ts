import { readFileSync } from 'node:fs'

/** Location of the manifest JSON Schema; the same relative path works from `src/` and `dist/`. */
export const MANIFEST_SCHEMA_URL = new URL('../../../schemas/agent.schema.json', import.meta.url)

let cached: Record<string, unknown> | undefined

export function manifestSchemaText(): string {
  return readFileSync(MANIFEST_SCHEMA_URL, 'utf8')
}

export function manifestSchema(): Record<string, unknown> {
  cached ??= JSON.parse(manifestSchemaText()) as Record<string, unknown>
  return cached
}
