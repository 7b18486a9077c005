import type { ToolSpec } from '../llm/contract.js'

export const TOOL_SEARCH = 'tool_search'
export const TOOL_ENABLE = 'tool_enable'

/** Which tools the model sees and may call, for one run. */
export interface ToolDisclosure {
  /** Tools sent with the next request. */
  specs(): ToolSpec[]
  /** Text added to the system prompt (the catalogue, for progressive disclosure). */
  catalogue(): string
  /** Why `name` may not be called now, or undefined when it may. */
  refusal(name: string): string | undefined
}

/** Every offered tool, with its full schema, from the first turn. */
export class FullDisclosure implements ToolDisclosure {
  private readonly names: ReadonlySet<string>

  constructor(private readonly offered: readonly ToolSpec[]) {
    this.names = new Set(offered.map((tool) => tool.name))
  }

  specs(): ToolSpec[] {
    return [...this.offered]
  }

  catalogue(): string {
    return ''
  }

  refusal(name: string): string | undefined {
    return this.names.has(name) ? undefined : `tool \`${name}\` is not available to this agent; available: ${[...this.names].join(', ') || 'none'}`
  }
}

/**
 * A compact catalogue (names and one-line descriptions) in the system prompt and two meta-tools;
 * a tool's full schema is sent, and the tool may be called, only after `tool_enable` names it.
 */
export class ProgressiveDisclosure implements ToolDisclosure {
  private readonly offered: Map<string, ToolSpec>
  private readonly enabled = new Set<string>()

  constructor(
    offered: readonly ToolSpec[],
    private readonly metaTools: readonly ToolSpec[],
    private readonly requirements: Readonly<Record<string, readonly string[]>> = {},
    alreadyEnabled: Iterable<string> = [],
  ) {
    this.offered = new Map(offered.map((tool) => [tool.name, tool]))
    for (const name of alreadyEnabled) if (this.offered.has(name)) this.enabled.add(name)
  }

  specs(): ToolSpec[] {
    return [...this.metaTools, ...[...this.enabled].map((name) => this.offered.get(name)!)]
  }

  catalogue(): string {
    const lines = [...this.offered.values()].map((tool) => `- ${tool.name}: ${firstLine(tool.description)}${this.enabled.has(tool.name) ? ' (enabled)' : ''}`)
    return `\n\n## Tools\nThese tools exist but must be enabled before use: call \`${TOOL_ENABLE}\` with their names (\`${TOOL_SEARCH}\` finds tools by keyword).\n${lines.join('\n')}`
  }

  refusal(name: string): string | undefined {
    if (this.metaTools.some((tool) => tool.name === name) || this.enabled.has(name)) return undefined
    if (this.offered.has(name)) return `tool \`${name}\` is not enabled yet; call \`${TOOL_ENABLE}\` with ["${name}"] first`
    return `tool \`${name}\` is not available to this agent; \`${TOOL_SEARCH}\` lists the tools that are`
  }

  search(query: string, limit = 10): ToolSpec[] {
    const words = query.toLowerCase().split(/\W+/).filter(Boolean)
    const scored = [...this.offered.values()].map((tool) => {
      const text = `${tool.name} ${tool.description}`.toLowerCase()
      return { tool, score: words.reduce((score, word) => score + (tool.name.toLowerCase().includes(word) ? 3 : 0) + (text.includes(word) ? 1 : 0), 0) }
    })
    return scored.filter((entry) => entry.score > 0 || words.length === 0).sort((a, b) => b.score - a.score).slice(0, limit).map((entry) => entry.tool)
  }

  /** Enables the named tools and the tools they need; returns which were enabled and which do not exist. */
  enable(names: readonly string[]): { enabled: string[]; unknown: string[] } {
    const wanted = names.flatMap((name) => [name, ...(this.requirements[name] ?? [])])
    const enabled = [...new Set(wanted.filter((name) => this.offered.has(name)))]
    for (const name of enabled) this.enabled.add(name)
    return { enabled, unknown: names.filter((name) => !this.offered.has(name)) }
  }

  enabledNames(): string[] {
    return [...this.enabled]
  }
}

function firstLine(text: string): string {
  const line = text.split('\n')[0]!.trim()
  return line.length > 120 ? `${line.slice(0, 117)}…` : line
}
