import { ProgressiveDisclosure, TOOL_ENABLE, TOOL_SEARCH } from '../disclosure.js'
import { SkillError, type Skill, type SkillContext } from '../contract.js'

function progressive(context: SkillContext): ProgressiveDisclosure {
  if (!(context.disclosure instanceof ProgressiveDisclosure)) throw new SkillError('tool discovery is only available with `tools.disclosure: progressive`')
  return context.disclosure
}

export const toolSearchSkill: Skill = {
  name: TOOL_SEARCH,
  description: 'Find tools by keyword. Returns matching tool names with their descriptions; enable one with tool_enable before calling it.',
  parameters: {
    type: 'object',
    properties: { query: { type: 'string', description: 'Keywords describing what the tool should do' } },
    required: ['query'],
    additionalProperties: false,
  },
  risk: 'low',
  async invoke(args, context) {
    const found = progressive(context).search(String(args.query))
    if (found.length === 0) return 'no tools match; the catalogue in the system prompt lists them all'
    return found.map((tool) => `${tool.name}: ${tool.description}`).join('\n')
  },
}

export const toolEnableSkill: Skill = {
  name: TOOL_ENABLE,
  description: 'Enable tools by name so they can be called from the next turn on, with their full parameter schemas.',
  parameters: {
    type: 'object',
    properties: { names: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 20, description: 'Names of the tools to enable' } },
    required: ['names'],
    additionalProperties: false,
  },
  risk: 'low',
  async invoke(args, context) {
    const { enabled, unknown } = progressive(context).enable(args.names as string[])
    if (enabled.length === 0) throw new SkillError(`no such tools: ${unknown.join(', ')}; see the catalogue`)
    return `enabled: ${enabled.join(', ')}${unknown.length ? `; no such tools: ${unknown.join(', ')}` : ''}`
  },
}
