import type { RunEvent } from '../agent/events.js'
import type { Skill } from '../skills/contract.js'

export interface PluginApi {
  /** The plugin's `options` from the manifest. */
  options: Record<string, unknown>
  registerSkill(skill: Skill): void
}

/** The default export of a plugin module. */
export interface AgentorPlugin {
  name: string
  setup?(api: PluginApi): void | Promise<void>
  /** Called for every event of every run, after it is in the transcript. */
  onEvent?(event: RunEvent): void
}
