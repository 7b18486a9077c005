import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { parseSkillFile, type FrontmatterProblem, type ParsedSkillFile } from './frontmatter.js'

export interface DiscoveredSkill {
  file: string
  name?: string
  parsed?: ParsedSkillFile
  problem?: FrontmatterProblem
}

/**
 * Markdown skills under a `skills` path: a `.md` file, a directory holding `SKILL.md`, or a
 * directory of such directories (the Agent Skills layout `<name>/SKILL.md`).
 */
export function discoverSkillFiles(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path]
  const own = join(path, 'SKILL.md')
  if (existsSync(own)) return [own]
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(path, entry.name, 'SKILL.md')))
    .map((entry) => join(path, entry.name, 'SKILL.md'))
    .sort()
}

const parsedFiles = new Map<string, { stamp: string; skill: DiscoveredSkill }>()

/** Parses a skill file, reusing the last parse while the file is unchanged. */
export function readSkillFile(file: string): DiscoveredSkill {
  const { mtimeMs, size } = statSync(file)
  const stamp = `${mtimeMs}:${size}`
  const cached = parsedFiles.get(file)
  if (cached?.stamp === stamp) return cached.skill
  const skill = parseDiscoveredSkill(file)
  parsedFiles.set(file, { stamp, skill })
  return skill
}

function parseDiscoveredSkill(file: string): DiscoveredSkill {
  const { skill, problem } = parseSkillFile(readFileSync(file, 'utf8'))
  if (problem) return { file, problem }
  const name = skill!.attributes.name
  if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9_-]*$/.test(name)) {
    return { file, problem: { line: 2, column: 1, message: 'frontmatter needs `name`: lowercase letters, digits, `-` and `_`' } }
  }
  if (typeof skill!.attributes.description !== 'string' || skill!.attributes.description.trim() === '') {
    return { file, problem: { line: 2, column: 1, message: 'frontmatter needs a `description`' } }
  }
  return { file, name, parsed: skill! }
}
