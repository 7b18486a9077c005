import type { ErrorObject } from 'ajv'
import { Codes, type Diagnostic } from './diagnostics.js'
import { manifestSchema } from './schema-file.js'
import { parseJsonPointer, type PathSegment } from './json-path.js'
import { locatedDiagnostic, type ManifestSource } from './source.js'
import { didYouMean } from './suggest.js'

type SchemaNode = {
  $ref?: string
  description?: string
  properties?: Record<string, SchemaNode>
  additionalProperties?: SchemaNode | boolean
  items?: SchemaNode
  enum?: unknown[]
  type?: string
}

/** Turns ajv's errors into located diagnostics a person can act on. */
export function schemaDiagnostics(source: ManifestSource, data: unknown, errors: readonly ErrorObject[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const seen = new Set<string>()
  for (const error of errors) {
    const diagnostic = describe(source, data, error)
    if (!diagnostic) continue
    const key = `${diagnostic.path}|${diagnostic.code}|${diagnostic.message}`
    if (seen.has(key)) continue
    seen.add(key)
    diagnostics.push(diagnostic)
  }
  return diagnostics
}

function describe(source: ManifestSource, data: unknown, error: ErrorObject): Diagnostic | undefined {
  const objectPath = parseJsonPointer(error.instancePath, data)
  const path = error.propertyName === undefined ? objectPath : [...objectPath, error.propertyName]
  const node = schemaAt(path)
  const what = describePath(path)
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty)
      const known = Object.keys(node?.properties ?? {})
      const hint = didYouMean(key, known) ?? (known.length ? `allowed keys here: ${known.join(', ')}` : undefined)
      return locatedDiagnostic(source, [...path, key], { code: Codes.unknownKey, message: `unknown key \`${key}\``, ...(hint ? { hint } : {}) }, 'key')
    }
    case 'required': {
      const key = String(params.missingProperty)
      const description = node?.properties?.[key]?.description
      return locatedDiagnostic(source, path, { code: Codes.missingKey, message: `${what} is missing the required key \`${key}\``, ...(description ? { hint: `${key}: ${description}` } : {}) }, 'key')
    }
    case 'type':
      return locatedDiagnostic(source, path, { code: Codes.wrongType, message: `${what} must be ${article(String(params.type))}, not ${typeName(valueAt(data, path))}`, ...hintFrom(node) })
    case 'enum': {
      const allowed = (params.allowedValues as unknown[]).map(String)
      const hint = didYouMean(String(valueAt(data, path)), allowed) ?? node?.description
      return locatedDiagnostic(source, path, { code: Codes.notAllowed, message: `${what} must be one of: ${allowed.join(', ')}`, ...(hint ? { hint } : {}) })
    }
    case 'const':
      return locatedDiagnostic(source, path, { code: Codes.notAllowed, message: `${what} must be ${JSON.stringify(params.allowedValue)}`, ...hintFrom(node) })
    case 'pattern':
      if (error.propertyName !== undefined) return locatedDiagnostic(source, path, { code: Codes.pattern, message: `the name ${what} does not match the pattern ${String(params.pattern)}`, hint: 'names use lowercase letters, digits, `-` and `_`' }, 'key')
      return locatedDiagnostic(source, path, { code: Codes.pattern, message: `${what} does not match the pattern ${String(params.pattern)}`, ...hintFrom(node) })
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return locatedDiagnostic(source, path, { code: Codes.range, message: `${what} must be ${String(params.comparison)} ${String(params.limit)}`, ...hintFrom(node) })
    case 'minLength': case 'minItems': case 'maxLength': case 'maxItems':
      return locatedDiagnostic(source, path, { code: Codes.length, message: lengthMessage(what, error.keyword, Number(params.limit)), ...hintFrom(node) })
    case 'uniqueItems': {
      const [first, duplicate] = [Number(params.i), Number(params.j)].sort((a, b) => a - b)
      return locatedDiagnostic(source, [...path, duplicate!], { code: Codes.duplicateItem, message: `duplicate item: entry ${duplicate} of ${what} repeats entry ${first}`, hint: 'remove the repeated entry' })
    }
    case 'propertyNames':
      return undefined // reported by the `pattern` error on the name itself
    case 'if':
      return undefined // the failing `then` keyword is reported on its own
    default:
      return locatedDiagnostic(source, path, { code: Codes.schema, message: `${what} ${error.message ?? 'is invalid'}`, ...hintFrom(node) })
  }
}

/** `name`, or `webhooks[0]` for a list item, or `the manifest` for the root. */
function describePath(path: readonly PathSegment[]): string {
  if (path.length === 0) return 'the manifest'
  const last = path.at(-1)!
  if (typeof last === 'string') return `\`${last}\``
  const parent = path.at(-2)
  return `\`${parent === undefined ? '' : String(parent)}[${last}]\``
}

function hintFrom(node: SchemaNode | undefined): { hint?: string } {
  return node?.description ? { hint: node.description } : {}
}

function lengthMessage(what: string, keyword: string, limit: number): string {
  const unit = keyword.endsWith('Items') ? 'item' : 'character'
  const bound = keyword.startsWith('min') ? 'at least' : 'at most'
  if (keyword === 'minLength' && limit === 1) return `${what} must not be empty`
  return `${what} must have ${bound} ${limit} ${unit}${limit === 1 ? '' : 's'}`
}

function article(type: string): string {
  const names: Record<string, string> = { object: 'a mapping', array: 'a list', string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false' }
  return names[type] ?? type
}

function typeName(value: unknown): string {
  if (value === null || value === undefined) return 'empty'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number'
  if (typeof value === 'boolean') return 'a boolean'
  return 'a string'
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let node = data
  for (const segment of path) node = node && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined
  return node
}

/** The schema that governs the value at `path`, following `$ref`s. */
export function schemaAt(path: readonly PathSegment[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = resolveRef(manifestSchema() as SchemaNode)
  for (const segment of path) {
    if (!node) return undefined
    if (typeof segment === 'number') node = node.items
    else node = node.properties?.[segment] ?? (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined)
    node = node && resolveRef(node)
  }
  return node
}

function resolveRef(node: SchemaNode): SchemaNode {
  if (!node.$ref) return node
  const name = node.$ref.replace('#/definitions/', '')
  const target = (manifestSchema() as { definitions: Record<string, SchemaNode> }).definitions[name]
  return target ? { ...target, description: node.description ?? target.description } : node
}
