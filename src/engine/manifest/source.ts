import { readFileSync, statSync } from 'node:fs'
import { Alias, Document, isCollection, isMap, isPair, isScalar, isSeq, parseDocument, type Node, type YAMLError } from 'yaml'
import { Codes, type Diagnostic } from './diagnostics.js'
import { formatJsonPath, type PathSegment } from './json-path.js'

export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024
const MAX_ALIAS_EXPANSIONS = 100

/** A parsed manifest that keeps every node's position in the original text. */
export interface ManifestSource {
  file: string
  text: string
  document: Document
  /** Offset of the first character of each line. */
  lineStarts: number[]
}

export interface Location {
  line: number
  column: number
  endLine: number
  endColumn: number
}

export function readManifestText(file: string): { text?: string; diagnostic?: Diagnostic } {
  const fail = (code: string, message: string, hint?: string) => ({ diagnostic: fileDiagnostic(file, code, message, hint) })
  let bytes: Buffer
  try {
    const size = statSync(file).size
    if (size > MAX_MANIFEST_BYTES) {
      return fail(Codes.fileTooLarge, `file is ${(size / 1048576).toFixed(1)} MiB; manifests are limited to ${MAX_MANIFEST_BYTES / 1048576} MiB`)
    }
    bytes = readFileSync(file)
  } catch (error) {
    return fail(Codes.fileUnreadable, `cannot read file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
  if (bytes.subarray(0, 8192).includes(0)) return fail(Codes.fileBinary, 'file is binary, not YAML text')
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return fail(Codes.fileBinary, 'file is not valid UTF-8 text')
  }
  if (!/^\s*[^\s#]/m.test(text)) {
    return fail(Codes.fileEmpty, 'file is empty', 'run `agentor init` to write a starter manifest')
  }
  return { text }
}

export function parseManifestText(file: string, text: string): { source: ManifestSource; diagnostics: Diagnostic[] } {
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false, version: '1.2', merge: false })
  const source = { file, text, document, lineStarts: lineStartOffsets(text) }
  // Broken indentation makes the parser see keys twice; those duplicate-key errors only repeat the real one.
  const syntaxBroken = document.errors.some((error) => error.code !== 'DUPLICATE_KEY')
  const problems = [...document.errors, ...document.warnings].filter((error) => !(syntaxBroken && error.code === 'DUPLICATE_KEY'))
  return { source, diagnostics: problems.map((error) => yamlErrorDiagnostic(source, error)) }
}

/** The document as plain data, refusing alias expansion beyond a small limit (YAML bombs). */
export function toPlainData(source: ManifestSource): { data?: unknown; diagnostic?: Diagnostic } {
  try {
    return { data: source.document.toJS({ maxAliasCount: MAX_ALIAS_EXPANSIONS }) }
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error
    const alias = findFirstAlias(source.document.contents)
    const location = alias?.range ? rangeLocation(source, alias.range[0], alias.range[1]) : startOfFile()
    return {
      diagnostic: {
        file: source.file, ...location, path: '$', code: Codes.yamlAliasLimit, severity: 'error',
        message: `aliases expand to more than ${MAX_ALIAS_EXPANSIONS} nodes`,
        hint: 'this looks like a YAML bomb; write the values out instead of nesting aliases',
      },
    }
  }
}

/**
 * Where the node at `path` is written. `key` points at the mapping key rather than its value (for
 * unknown keys). A path that runs past the written nodes (a missing key) resolves to the deepest
 * node that exists, so every diagnostic has a position inside the file.
 */
export function locate(source: ManifestSource, path: readonly PathSegment[], target: 'key' | 'value' = 'value'): Location {
  let node: unknown = source.document.contents
  let best: Location | undefined = node ? nodeLocation(source, node) : undefined
  for (const [index, segment] of path.entries()) {
    node = resolveAlias(source, node)
    const last = index === path.length - 1
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && keyText(item.key) === String(segment))
      if (!pair) break
      const keyLocation = nodeLocation(source, pair.key)
      if (last && target === 'key') return keyLocation ?? best ?? startOfFile()
      const valueLocation = nodeLocation(source, pair.value)
      best = valueLocation && !isEmptyScalar(pair.value) ? valueLocation : keyLocation ?? best
      node = pair.value
    } else if (isSeq(node) && typeof segment === 'number' && segment < node.items.length) {
      node = node.items[segment]
      best = nodeLocation(source, node) ?? best
    } else {
      break
    }
  }
  return best ?? startOfFile()
}

/** A mapping key as it appears in the parsed value: yaml turns a collection key into its flow text. */
function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value)
  if (!isCollection(key)) return String(key)
  const flow = key.clone()
  flow.flow = true
  return new Document(flow).toString().trim()
}

export function locatedDiagnostic(
  source: ManifestSource,
  path: readonly PathSegment[],
  fields: Pick<Diagnostic, 'code' | 'message'> & Partial<Pick<Diagnostic, 'hint' | 'severity'>>,
  target: 'key' | 'value' | { text: string } = 'value',
): Diagnostic {
  const location = typeof target === 'object' ? locateText(source, path, target.text) : locate(source, path, target)
  return { file: source.file, ...location, path: formatJsonPath(path), severity: 'error', ...fields }
}

/** Where `text` is written inside the value at `path` (e.g. one placeholder in a string), else the value. */
export function locateText(source: ManifestSource, path: readonly PathSegment[], text: string): Location {
  const value = locate(source, path)
  const lines = source.text.split('\n')
  for (let line = value.line; line <= value.endLine && line <= lines.length; line++) {
    const from = line === value.line ? value.column - 1 : 0
    const at = lines[line - 1]!.indexOf(text, from)
    if (at >= 0) return { line, column: at + 1, endLine: line, endColumn: at + 1 + text.length }
  }
  return value
}

export function rangeLocation(source: ManifestSource, start: number, end: number): Location {
  const from = linePosition(source, start)
  const to = linePosition(source, Math.max(start, end))
  return { line: from.line, column: from.column, endLine: to.line, endColumn: to.column }
}

function lineStartOffsets(text: string): number[] {
  const starts = [0]
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
  return starts
}

/** 1-based line and column of an offset, clamped to the text. */
function linePosition(source: ManifestSource, offset: number): { line: number; column: number } {
  const clamped = Math.max(0, Math.min(offset, source.text.length))
  let low = 0
  let high = source.lineStarts.length - 1
  while (low < high) {
    const middle = (low + high + 1) >> 1
    if (source.lineStarts[middle]! <= clamped) low = middle
    else high = middle - 1
  }
  return { line: low + 1, column: clamped - source.lineStarts[low]! + 1 }
}

function fileDiagnostic(file: string, code: string, message: string, hint?: string): Diagnostic {
  return { file, ...startOfFile(), path: '$', code, severity: 'error', message, ...(hint ? { hint } : {}) }
}

function startOfFile(): Location {
  return { line: 1, column: 1, endLine: 1, endColumn: 1 }
}

function nodeLocation(source: ManifestSource, node: unknown): Location | undefined {
  const range = (node as Node | null)?.range
  return range ? rangeLocation(source, range[0], range[1]) : undefined
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.range?.[0] === node.range?.[1]
}

function resolveAlias(source: ManifestSource, node: unknown): unknown {
  return node instanceof Alias ? node.resolve(source.document) : node
}

function findFirstAlias(node: unknown): Alias | undefined {
  if (node instanceof Alias) return node
  if (isMap(node) || isSeq(node)) {
    for (const item of node.items) {
      const found = isPair(item) ? findFirstAlias(item.key) ?? findFirstAlias(item.value) : findFirstAlias(item)
      if (found) return found
    }
  }
  return undefined
}

/** The parser reports an unclosed quote where the file ends; point at the quote that was never closed. */
function unclosedQuoteRange(text: string, error: YAMLError): [number, number] {
  const quote = /"/.test(error.message) ? '"' : "'"
  let offset = 0
  for (const line of text.split('\n')) {
    const unescaped = quote === '"' ? line.replace(/\\./g, '') : line.replace(/''/g, '')
    const content = unescaped.replace(/\s#.*$/, '')
    if ((content.split(quote).length - 1) % 2 === 1) {
      const at = offset + line.indexOf(quote)
      return [at, at + 1]
    }
    offset += line.length + 1
  }
  return error.pos
}

const yamlErrorCodes: Record<string, string> = {
  DUPLICATE_KEY: Codes.yamlDuplicateKey,
  MULTIPLE_DOCS: Codes.yamlMultipleDocuments,
}

function yamlErrorDiagnostic(source: ManifestSource, error: YAMLError): Diagnostic {
  const [start, end] = error.code === 'MISSING_CHAR' ? unclosedQuoteRange(source.text, error) : error.pos
  const firstLine = error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
  return {
    file: source.file, ...rangeLocation(source, start, end), path: '$',
    code: yamlErrorCodes[error.code] ?? Codes.yamlSyntax,
    severity: error.name === 'YAMLWarning' ? 'warning' : 'error',
    message: firstLine,
    ...(error.code === 'DUPLICATE_KEY' ? { hint: 'each key may appear once in a mapping; remove or rename one of them' } : {}),
  }
}
