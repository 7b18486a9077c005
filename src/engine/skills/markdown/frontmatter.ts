import { LineCounter, parseDocument } from 'yaml'

export interface FrontmatterProblem {
  line: number
  column: number
  message: string
}

export interface ParsedSkillFile {
  attributes: Record<string, unknown>
  body: string
  /** Line (1-based) of the first body line. */
  bodyLine: number
}

/**
 * Splits a SKILL.md-style file into YAML frontmatter and Markdown body. The frontmatter opens with a
 * `---` line at the top and closes at the next line that is exactly `---`.
 */
export function parseSkillFile(text: string): { skill?: ParsedSkillFile; problem?: FrontmatterProblem } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  const first = lines.findIndex((line) => line.trim() !== '')
  if (first < 0 || lines[first]!.trim() !== '---') {
    return { problem: { line: Math.max(1, first + 1), column: 1, message: 'skill file must start with a `---` line opening its YAML frontmatter' } }
  }
  const closing = lines.findIndex((line, index) => index > first && line.trim() === '---')
  if (closing < 0) return { problem: { line: first + 1, column: 1, message: 'frontmatter is not closed by a `---` line' } }
  const yamlText = lines.slice(first + 1, closing).join('\n')
  const lineCounter = new LineCounter()
  const document = parseDocument(yamlText, { lineCounter, uniqueKeys: true, prettyErrors: false })
  const error = document.errors[0]
  if (error) {
    const position = lineCounter.linePos(error.pos[0])
    return { problem: { line: first + 1 + position.line, column: position.col, message: `frontmatter: ${error.message.split('\n')[0]}` } }
  }
  const attributes: unknown = document.toJS({ maxAliasCount: 100 })
  if (!attributes || typeof attributes !== 'object' || Array.isArray(attributes)) {
    return { problem: { line: first + 2, column: 1, message: 'frontmatter must be a YAML mapping' } }
  }
  return { skill: { attributes: attributes as Record<string, unknown>, body: lines.slice(closing + 1).join('\n').trim(), bodyLine: closing + 2 } }
}
