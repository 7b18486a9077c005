import { createManifestAjv } from '../../src/engine/manifest/ajv-options.js'
import type { AgentManifest, ResolvedAgentManifest, ResolvedMemory, ResolvedSkillSettings } from '../../src/engine/manifest/generated/manifest-types.js'
import { manifestSchema } from '../../src/engine/manifest/schema-file.js'

type Overrides<T> = { [K in keyof T]?: Partial<T[K]> }

/** A manifest section as the engine gets it: `overrides` with the schema's defaults filled in. */
function withDefaults<T>(definition: string, overrides: object): T {
  const ajv = createManifestAjv()
  ajv.addSchema(manifestSchema(), 'manifest')
  const section = structuredClone(overrides)
  ajv.compile({ $ref: `manifest#/definitions/${definition}` })(section)
  return section as T
}

export const memoryConfig = (overrides: Overrides<ResolvedMemory> = {}) => withDefaults<ResolvedMemory>('memory', overrides)
export const defaultSkillSettings = () => withDefaults<ResolvedSkillSettings>('skillSettings', {})

/** A whole manifest as `compile` gets it: `manifest` (a minimal scripted agent unless given) with the schema's defaults filled in. */
export function resolvedManifest(manifest: Partial<AgentManifest> = {}): ResolvedAgentManifest {
  const ajv = createManifestAjv()
  const data = structuredClone({ agentor: 1, name: 'test', model: { provider: 'scripted', name: 'test', script: [] }, ...manifest })
  ajv.compile(manifestSchema())(data)
  return data as unknown as ResolvedAgentManifest
}
