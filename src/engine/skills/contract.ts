import type { ResolvedSkillSettings } from '../manifest/generated/manifest-types.js'
import type { ToolDisclosure } from './disclosure.js'
import type { RunResources } from './run-resources.js'

export type RiskLevel = 'low' | 'medium' | 'high' | 'critical'

/** What a skill may use while it runs. */
export interface SkillContext {
  /** Real path (symlinks resolved) of the directory file and shell tools are confined to. */
  workspace: string
  settings: ResolvedSkillSettings
  /** Aborted when the run is cancelled or the call times out. */
  signal: AbortSignal
  sessionId: string
  /** Directory where this session's artifacts are kept (`artifact_store`). */
  artifactDir: string
  /** Asks a person through the manifest's approval channel (`human_approval`); fails closed. */
  askHuman(question: { summary: string; details?: string; risk: RiskLevel }): Promise<HumanAnswer>
  /** The run as it stands (`task_status`). */
  runState(): RunState
  /** Which tools the model sees this run (the meta-tools of progressive disclosure act on it). */
  disclosure: ToolDisclosure
  /** What the run's skills open and share (a container, a browser session); closed when the run ends. */
  resources: RunResources
  /** Writes something the skill did outside a tool result (an isolation check, a started browser) to the transcript and the terminal. */
  record(event: SkillEvent): void
}

export interface SkillEvent {
  skill: string
  /** Short kebab-case name of what happened, e.g. `sandbox-verified`. */
  event: string
  /** One readable line. */
  summary: string
  data?: Record<string, unknown>
}

export interface HumanAnswer {
  approved: boolean
  reviewer: string
  reason?: string
}

export interface RunState {
  agent: string
  sessionId: string
  turn: number
  maxTurns: number
  tokensUsed: number
  maxTokens?: number
  costUsd: number
  maxCostUsd?: number
  toolCalls: { name: string; isError: boolean }[]
  startedAt: string
}

export interface SkillResult {
  content: string
  isError?: boolean
}

/** A tool the model can call. Arguments are validated against `parameters` before `invoke` runs. */
export interface Skill {
  name: string
  description: string
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>
  risk: RiskLevel
  invoke(args: Record<string, unknown>, context: SkillContext): Promise<SkillResult | string>
}

/** A failure the model should see as a tool error (bad input, refused by a guard), not a crash. */
export class SkillError extends Error {
  override name = 'SkillError'
}
