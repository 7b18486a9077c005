import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { parseEnv } from 'node:util'
import { isScalar, parse, Scalar, visit } from 'yaml'
import { Codes, type Diagnostic } from './diagnostics.js'
import { displayPath } from './display-path.js'
import { formatJsonPath, type PathSegment } from './json-path.js'
import { locatedDiagnostic, type ManifestSource } from './source.js'

export type Environment = Readonly<Record<string, string | undefined>>

/** `$${` is a literal `${`; `${NAME}` and `${NAME:-default}` are references. */
const REFERENCE = /\$\$\{|\$\{([^}]*)(\})?/g
const NAME_AND_DEFAULT = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/

/**
 * The environment a manifest sees: a `.env` file beside it, overridden by the real environment.
 */
export function manifestEnvironment(file: string, environment: Environment): { env: Environment; diagnostics: Diagnostic[] } {
  const dotenvPath = join(dirname(file), '.env')
  if (!existsSync(dotenvPath)) return { env: environment, diagnostics: [] }
  try {
    return { env: { ...parseEnv(readFileSync(dotenvPath, 'utf8')), ...environment }, diagnostics: [] }
  } catch (error) {
    return {
      env: environment,
      diagnostics: [{
        file: displayPath(dotenvPath), line: 1, column: 1, endLine: 1, endColumn: 1, path: '$', code: Codes.dotenvUnreadable, severity: 'error',
        message: `cannot read .env: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      }],
    }
  }
}

/**
 * Replaces `${VAR}` references in every scalar value, in place, keeping node positions. A plain
 * (unquoted) scalar that is exactly one reference takes the type of what it expands to, so
 * `maxTurns: ${TURNS:-20}` is a number. Returns the diagnostics, the paths that were interpolated,
 * and those whose interpolation failed (their schema errors would only repeat the problem).
 */
export function interpolateEnvironment(source: ManifestSource, env: Environment): { diagnostics: Diagnostic[]; interpolatedPaths: Set<string>; failedPaths: Set<string> } {
  const diagnostics: Diagnostic[] = []
  const failedPaths = new Set<string>()
  const interpolatedPaths = new Set<string>()
  visit(source.document, {
    Scalar(key, node, ancestors) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return
      const path = pathOf(ancestors, node)
      const result = expand(node.value, env, (reference, code, message, hint) => {
        diagnostics.push(locatedDiagnostic(source, path, { code, message, ...(hint ? { hint } : {}) }, { text: reference }))
        failedPaths.add(formatJsonPath(path))
      })
      if (!result.referenced) return
      interpolatedPaths.add(formatJsonPath(path))
      node.value = node.type === Scalar.PLAIN && result.wholeValueIsOneReference ? retype(result.text) : result.text
    },
  })
  return { diagnostics, interpolatedPaths, failedPaths }
}

type Report = (reference: string, code: string, message: string, hint?: string) => void

function expand(value: string, env: Environment, report: Report) {
  let referenced = false
  let references = 0
  const text = value.replace(REFERENCE, (match, inner: string | undefined, closing: string | undefined) => {
    if (match === '$${') return '${'
    referenced = true
    references++
    if (closing === undefined) {
      report(match, Codes.envSyntax, '`${` is not closed with `}`', 'write `${NAME}` or `${NAME:-default}`; `$${` is a literal `${`')
      return match
    }
    const parts = NAME_AND_DEFAULT.exec(inner!)
    if (!parts) {
      report(match, Codes.envSyntax, `\`${match}\` is not a valid variable reference`, 'write `${NAME}` or `${NAME:-default}`; `$${` is a literal `${`')
      return match
    }
    const [, name, fallback] = parts as unknown as [string, string, string | undefined]
    const found = env[name]
    if (found !== undefined && (found !== '' || fallback === undefined)) return found
    if (fallback !== undefined) return fallback
    report(match, Codes.envMissing, `environment variable ${name} is not set`, `set ${name}, add it to a .env file beside the manifest, or give a default: \${${name}:-value}`)
    return match
  })
  return { text, referenced, wholeValueIsOneReference: references === 1 && REFERENCE_ONLY.test(value) }
}

const REFERENCE_ONLY = /^\$\{[^}]*\}$/

function retype(text: string): unknown {
  if (text.trim() === '') return text
  try {
    const value: unknown = parse(text, { version: '1.2' })
    return typeof value === 'number' || typeof value === 'boolean' || value === null ? value : text
  } catch {
    return text
  }
}

function pathOf(ancestors: readonly unknown[], node: unknown): PathSegment[] {
  const path: PathSegment[] = []
  const chain = [...ancestors, node]
  for (let i = 1; i < chain.length; i++) {
    const parent = chain[i - 1] as { items?: unknown[]; key?: unknown; value?: unknown }
    const child = chain[i]
    if (parent && 'key' in parent && 'value' in parent) {
      if (parent.value === child && isScalar(parent.key)) path.push(String(parent.key.value))
    } else if (Array.isArray(parent?.items)) {
      const index = parent.items.indexOf(child)
      if (index >= 0 && !(child && typeof child === 'object' && 'key' in child && 'value' in child)) path.push(index)
    }
  }
  return path
}
