import { resolve } from 'node:path'
import { AgentorError } from '../../errors.js'
import type { Skill } from '../contract.js'
import { discoverSkillFiles, readSkillFile, type DiscoveredSkill } from './discover.js'

export interface MarkdownSkills {
  /** Callable skills: tools that return their guidance. */
  tools: Skill[]
  /** Prompt skills, rendered for the end of the system prompt ('' when there are none). */
  prompt: string
  /** Tools each callable skill says it needs (frontmatter `allowed-tools`). */
  requirements: Record<string, string[]>
}

/**
 * Loads the Markdown skills under the manifest's skill paths (Agent Skills layout: YAML
 * frontmatter with `name` and `description`, Markdown body). `mode: prompt` (or the older
 * `prompt_injection: true`) puts the body in the system prompt; otherwise the skill is a tool.
 */
export function loadMarkdownSkills(paths: readonly string[], baseDir: string): MarkdownSkills {
  const skills = paths.flatMap((path) => discoverSkillFiles(resolve(baseDir, path))).map(readSkillFile)
  const broken = skills.find((skill) => skill.problem)
  if (broken) throw new AgentorError('E_SKILL_INVALID', `${broken.file}:${broken.problem!.line}: ${broken.problem!.message}`, 'run `agentor validate` for every problem')
  const prompts = skills.filter(isPromptSkill)
  const tools = skills.filter((skill) => !isPromptSkill(skill))
  return {
    tools: tools.map(toTool),
    prompt: prompts.length === 0 ? '' : `\n\n## Additional instructions\n${prompts.map((skill) => `### ${skill.name}\n${skill.parsed!.body}\n`).join('\n')}`,
    requirements: Object.fromEntries(tools.map((skill) => [skill.name!, requiredTools(skill)])),
  }
}

export function isPromptSkill(skill: DiscoveredSkill): boolean {
  const attributes = skill.parsed?.attributes ?? {}
  return attributes.mode === 'prompt' || attributes.prompt_injection === true
}

/** Frontmatter `allowed-tools`: a list, or a string of names separated by spaces or commas. */
export function requiredTools(skill: DiscoveredSkill): string[] {
  const value = skill.parsed?.attributes['allowed-tools']
  if (Array.isArray(value)) return value.map(String)
  return typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : []
}

function toTool(skill: DiscoveredSkill): Skill {
  const { body, attributes } = skill.parsed!
  return {
    name: skill.name!,
    description: String(attributes.description),
    parameters: {
      type: 'object',
      properties: { query: { type: 'string', description: 'What you need guidance on (optional)' } },
      additionalProperties: false,
    },
    risk: 'low',
    async invoke(args) {
      const query = typeof args.query === 'string' && args.query.trim() ? ` — guidance for: ${args.query.trim()}` : ''
      return `## ${skill.name}${query}\n\n${body}`
    },
  }
}
