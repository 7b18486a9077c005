import { realpathSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { checkCrossReferences } from './cross-references.js'
import { Codes, hasErrors, type Diagnostic } from './diagnostics.js'
import { displayPath } from './display-path.js'
import type { ResolvedAgentManifest } from './generated/manifest-types.js'
import validateManifestSchema from './generated/validate-manifest.js'
import { interpolateEnvironment, manifestEnvironment, type Environment } from './interpolate.js'
import { checkSchedules } from './schedule-checks.js'
import { schemaDiagnostics } from './schema-diagnostics.js'
import { locatedDiagnostic, parseManifestText, readManifestText, toPlainData, type ManifestSource } from './source.js'
import { checkWebhookTemplates } from './template-checks.js'

export interface ManifestReport {
  /** The path as shown to users (relative to the working directory when inside it). */
  file: string
  /** The source text, for code frames. */
  text?: string
  /** The manifest with the schema's defaults filled in; present only when there are no errors. */
  manifest?: ResolvedAgentManifest
  diagnostics: Diagnostic[]
}

export interface ValidateOptions {
  /** Variables for `${VAR}` references; defaults to `process.env`. */
  env?: Environment
}

/**
 * Validates manifests and, recursively, the sub-agent manifests they name. Returns one report per
 * file, each sub-agent once, in the order they were reached.
 */
export async function validateManifests(files: readonly string[], options: ValidateOptions = {}): Promise<ManifestReport[]> {
  const validator = new ManifestValidator(options.env ?? process.env)
  for (const file of files) await validator.validate(resolve(file), [])
  return [...validator.reports.values()]
}

/** Validates one manifest (and its sub-agents) and returns its own report. */
export async function validateManifest(file: string, options: ValidateOptions = {}): Promise<ManifestReport> {
  const validator = new ManifestValidator(options.env ?? process.env)
  return validator.validate(resolve(file), [])
}

class ManifestValidator {
  readonly reports = new Map<string, ManifestReport>()

  constructor(private readonly env: Environment) {}

  async validate(absolutePath: string, chain: readonly string[]): Promise<ManifestReport> {
    const key = canonical(absolutePath)
    const known = this.reports.get(key)
    if (known) return known
    const report: ManifestReport = { file: displayPath(absolutePath), diagnostics: [] }
    this.reports.set(key, report)
    await this.check(report, absolutePath, [...chain, key])
    report.diagnostics.sort((a, b) => a.line - b.line || a.column - b.column)
    if (!hasErrors(report.diagnostics)) return report
    delete report.manifest
    return report
  }

  private async check(report: ManifestReport, absolutePath: string, chain: readonly string[]) {
    const { text, diagnostic } = readManifestText(report.file)
    if (diagnostic) return void report.diagnostics.push(diagnostic)
    report.text = text!
    const { source, diagnostics: syntax } = parseManifestText(report.file, text!)
    report.diagnostics.push(...syntax)
    if (hasErrors(syntax)) return
    const environment = manifestEnvironment(absolutePath, this.env)
    const interpolation = interpolateEnvironment(source, environment.env)
    report.diagnostics.push(...environment.diagnostics, ...interpolation.diagnostics)
    const { data, diagnostic: aliasProblem } = toPlainData(source)
    if (aliasProblem) return void report.diagnostics.push(aliasProblem)
    if (!data || typeof data !== 'object' || Array.isArray(data)) {
      return void report.diagnostics.push(locatedDiagnostic(source, [], {
        code: Codes.notAMapping, message: 'a manifest must be a YAML mapping of keys to values',
        hint: 'start from `agentor init`; the first key is usually `agentor: 1`',
      }))
    }
    if (!validateManifestSchema(data)) {
      const schemaProblems = schemaDiagnostics(source, data, validateManifestSchema.errors ?? [])
      report.diagnostics.push(...schemaProblems.filter((d) => !interpolation.failedPaths.has(d.path)))
      return
    }
    const manifest = data as ResolvedAgentManifest
    const baseDir = dirname(absolutePath)
    report.diagnostics.push(
      ...checkCrossReferences({ source, manifest, baseDir, interpolatedPaths: interpolation.interpolatedPaths }),
      ...checkWebhookTemplates(source, manifest),
      ...(await checkSchedules(source, manifest)),
      ...(await this.checkSubAgents(source, manifest, baseDir, chain)),
    )
    report.manifest = manifest
  }

  private async checkSubAgents(source: ManifestSource, manifest: ResolvedAgentManifest, baseDir: string, chain: readonly string[]) {
    const diagnostics: Diagnostic[] = []
    for (const [index, entry] of manifest.subAgents.entries()) {
      const path = resolve(baseDir, entry)
      const report = (code: string, message: string, hint?: string) =>
        diagnostics.push(locatedDiagnostic(source, ['subAgents', index], { code, message, ...(hint ? { hint } : {}) }))
      const key = canonical(path)
      if (chain.includes(key)) {
        const cycle = [...chain.slice(chain.indexOf(key)), key].map(displayPath).join(' → ')
        report(Codes.subAgentCycle, `sub-agents form a cycle: ${cycle}`, 'an agent cannot delegate, directly or through others, back to itself')
        continue
      }
      const child = await this.validate(path, chain)
      if (child.diagnostics.some((d) => d.code === Codes.fileUnreadable)) {
        this.reports.delete(key)
        report(Codes.subAgentMissing, `sub-agent manifest \`${entry}\` does not exist`, `resolved to ${displayPath(path)}`)
      } else if (hasErrors(child.diagnostics)) {
        const first = child.diagnostics.find((d) => d.severity === 'error')!
        report(Codes.subAgentInvalid, `sub-agent manifest \`${entry}\` is invalid`, `${first.file}:${first.line}:${first.column}: ${first.message}`)
      }
    }
    return diagnostics
  }
}

function canonical(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}
