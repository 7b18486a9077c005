import type { ValidateFunction } from 'ajv'
import { createManifestAjv } from '../manifest/ajv-options.js'
import type { ToolCall, ToolSpec } from '../llm/contract.js'
import { AgentorError } from '../errors.js'
import { SkillError, type RiskLevel, type Skill, type SkillContext, type SkillResult } from './contract.js'

/**
 * The skills an agent has. Executes a call only for a registered skill, after validating its
 * arguments against the skill's schema; every failure comes back as an error result the model
 * can read, never as an exception.
 */
export class SkillRegistry {
  private readonly skills = new Map<string, Skill>()
  private readonly validators = new Map<string, ValidateFunction>()
  private ajv: ReturnType<typeof createManifestAjv> | undefined

  register(skill: Skill): void {
    if (this.skills.has(skill.name)) throw new Error(`skill \`${skill.name}\` is registered twice`)
    this.skills.set(skill.name, skill)
  }

  has(name: string): boolean {
    return this.skills.has(name)
  }

  riskOf(name: string): RiskLevel | undefined {
    return this.skills.get(name)?.risk
  }

  names(): string[] {
    return [...this.skills.keys()]
  }

  specs(names: Iterable<string> = this.skills.keys()): ToolSpec[] {
    return [...names].map((name) => this.skills.get(name)).filter((skill): skill is Skill => skill !== undefined)
      .map((skill) => ({ name: skill.name, description: skill.description, parameters: skill.parameters }))
  }

  async execute(call: ToolCall, context: SkillContext): Promise<SkillResult> {
    const skill = this.skills.get(call.name)
    if (!skill) return { content: `unknown tool \`${call.name}\`; available: ${this.names().join(', ') || 'none'}`, isError: true }
    if ('unparsed' in call.arguments) return { content: `arguments are not valid JSON: ${String(call.arguments.unparsed).slice(0, 200)}`, isError: true }
    const problems = this.argumentProblems(skill, call.arguments)
    if (problems) return { content: `invalid arguments for \`${skill.name}\`: ${problems}`, isError: true }
    try {
      const result = await skill.invoke(call.arguments as Record<string, unknown>, context)
      return typeof result === 'string' ? { content: result } : result
    } catch (error) {
      if (error instanceof SkillError) return { content: error.message, isError: true }
      if (error instanceof AgentorError) return { content: `${error.code}: ${error.message}${error.hint ? ` (hint: ${error.hint})` : ''}`, isError: true }
      return { content: `\`${skill.name}\` failed: ${(error as Error)?.message ?? String(error)}`, isError: true }
    }
  }

  private argumentProblems(skill: Skill, args: Record<string, unknown>): string | undefined {
    let validate = this.validators.get(skill.name)
    if (!validate) {
      // Compiling the draft-07 meta-schema to check each tool schema costs ~100 ms on the first call; strict mode still rejects unknown keywords.
      this.ajv ??= createManifestAjv({ useDefaults: true, validateSchema: false })
      validate = this.ajv.compile(skill.parameters)
      this.validators.set(skill.name, validate)
    }
    if (validate(args)) return undefined
    return (validate.errors ?? []).map((error) => {
      const where = error.instancePath ? error.instancePath.slice(1).replace(/\//g, '.') : 'arguments'
      if (error.keyword === 'additionalProperties') return `unknown argument \`${String(error.params.additionalProperty)}\``
      if (error.keyword === 'required') return `missing argument \`${String(error.params.missingProperty)}\``
      return `${where} ${error.message}`
    }).join('; ')
  }
}
