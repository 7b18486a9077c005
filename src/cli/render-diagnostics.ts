import { readFileSync } from 'node:fs'
import type { Diagnostic } from '../engine/manifest/diagnostics.js'
import type { ManifestReport } from '../engine/manifest/validate.js'
import type { Style } from './style.js'

export type DiagnosticFormat = 'pretty' | 'json' | 'github'

export function renderReports(reports: readonly ManifestReport[], format: DiagnosticFormat, style: Style): string {
  const diagnostics = reports.flatMap((report) => report.diagnostics)
  if (format === 'json') return `${JSON.stringify(diagnostics, null, 2)}\n`
  if (format === 'github') return diagnostics.map(githubAnnotation).map((line) => `${line}\n`).join('') + summary(reports, (text) => text)
  const texts = new Map(reports.map((report) => [report.file, report.text]))
  return diagnostics.map((d) => codeFrame(d, texts.has(d.file) ? texts.get(d.file) : readTextOrNothing(d.file), style)).join('\n') + (diagnostics.length ? '\n' : '') + summary(reports, style.bold)
}

function codeFrame(diagnostic: Diagnostic, text: string | undefined, style: Style): string {
  const severity = diagnostic.severity === 'error' ? style.red('error') : style.yellow('warning')
  const lines = [`${style.bold(`${diagnostic.file}:${diagnostic.line}:${diagnostic.column}`)} ${severity} ${diagnostic.message} ${style.dim(`${diagnostic.code} at ${diagnostic.path}`)}`]
  const sourceLines = text?.split(/\r?\n/)
  const line = sourceLines?.[diagnostic.line - 1]
  if (sourceLines && line !== undefined) {
    const width = String(diagnostic.line + 1).length
    const gutter = (n: number | string, marker = ' ') => style.dim(`${marker} ${String(n).padStart(width)} | `)
    if (diagnostic.line > 1) lines.push(gutter(diagnostic.line - 1) + clip(sourceLines[diagnostic.line - 2]!))
    lines.push(gutter(diagnostic.line, '>') + clip(line))
    const span = diagnostic.endLine === diagnostic.line && diagnostic.endColumn ? Math.max(1, diagnostic.endColumn - diagnostic.column) : 1
    const caretStart = Math.min(diagnostic.column - 1, 200)
    lines.push(gutter('') + ' '.repeat(caretStart) + style.red('^'.repeat(Math.min(span, Math.max(1, 200 - caretStart)))))
  }
  if (diagnostic.hint) lines.push(`  ${style.cyan('hint:')} ${diagnostic.hint}`)
  return `${lines.join('\n')}\n`
}

/** Text of a file a diagnostic points into besides the manifest itself (a SKILL.md). */
function readTextOrNothing(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

function clip(line: string): string {
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}

function summary(reports: readonly ManifestReport[], emphasise: (text: string) => string): string {
  const diagnostics = reports.flatMap((report) => report.diagnostics)
  const errors = diagnostics.filter((d) => d.severity === 'error').length
  const warnings = diagnostics.length - errors
  const invalid = reports.filter((report) => report.diagnostics.some((d) => d.severity === 'error')).length
  const files = `${reports.length} manifest${reports.length === 1 ? '' : 's'}`
  if (invalid === 0) return `${emphasise(`✔ ${files} valid`)}${warnings ? ` (${plural(warnings, 'warning')})` : ''}\n`
  return `${emphasise(`✖ ${invalid} of ${files} invalid`)}: ${plural(errors, 'error')}${warnings ? `, ${plural(warnings, 'warning')}` : ''}\n`
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`
}

function githubAnnotation(d: Diagnostic): string {
  const properties = [`file=${d.file}`, `line=${d.line}`, `col=${d.column}`, ...(d.endLine ? [`endLine=${d.endLine}`] : []), ...(d.endColumn ? [`endColumn=${d.endColumn}`] : []), `title=${d.code}`]
    .map(escapeProperty).join(',')
  const message = `${d.message} (${d.path})${d.hint ? `. Hint: ${d.hint}` : ''}`
  return `::${d.severity === 'error' ? 'error' : 'warning'} ${properties}::${escapeData(message)}`
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

function escapeProperty(property: string): string {
  const [key, ...value] = property.split('=')
  return `${key}=${escapeData(value.join('=')).replace(/:/g, '%3A').replace(/,/g, '%2C')}`
}
