import { AgentorError } from '../errors.js'
import type { Diagnostic } from './diagnostics.js'
import type { ResolvedAgentManifest } from './generated/manifest-types.js'
import type { Environment } from './interpolate.js'
import { validateManifests, type ManifestReport } from './validate.js'

/** A manifest that did not validate; `reports` holds its diagnostics and those of its sub-agents. */
export class ManifestInvalidError extends AgentorError {
  constructor(readonly reports: ManifestReport[]) {
    const errors = reports.flatMap((report) => report.diagnostics).filter((d) => d.severity === 'error')
    const first = errors[0]!
    super('E_MANIFEST_INVALID', `${first.file}:${first.line}:${first.column}: ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`, first.hint)
  }
}

export interface LoadedManifest {
  manifest: ResolvedAgentManifest
  file: string
  warnings: Diagnostic[]
}

/** Loads and validates a manifest; throws ManifestInvalidError with every diagnostic when it is not valid. */
export async function loadManifest(file: string, options: { env?: Environment } = {}): Promise<LoadedManifest> {
  const reports = await validateManifests([file], options)
  const own = reports[0]!
  if (!own.manifest || reports.some((report) => report.diagnostics.some((d) => d.severity === 'error'))) throw new ManifestInvalidError(reports)
  return { manifest: own.manifest, file, warnings: own.diagnostics }
}
