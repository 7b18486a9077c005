export { AgentorError } from './engine/errors.js'
export { Codes, hasErrors, type Diagnostic, type Severity } from './engine/manifest/diagnostics.js'
export type { AgentManifest, ResolvedAgentManifest } from './engine/manifest/generated/manifest-types.js'
export { validateManifest, validateManifests, type ManifestReport, type ValidateOptions } from './engine/manifest/validate.js'
