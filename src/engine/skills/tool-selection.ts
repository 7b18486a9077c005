import type { ResolvedAgentManifest } from '../manifest/generated/manifest-types.js'
import { BUILTIN_TOOL_GROUPS } from './builtin-catalogue.js'

/** The skills offered to the model: the manifest's tool group, within what is registered. */
export function selectToolNames(manifest: ResolvedAgentManifest, registered: readonly string[]): string[] {
  const group = manifest.toolGroups[manifest.tools.group] ?? BUILTIN_TOOL_GROUPS[manifest.tools.group]
  if (group === undefined || group === 'all') return [...registered]
  return registered.filter((name) => group.includes(name as never))
}
