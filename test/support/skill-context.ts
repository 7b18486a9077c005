import { join } from 'node:path'
import type { SkillContext } from '../../src/engine/skills/contract.js'
import { FullDisclosure } from '../../src/engine/skills/disclosure.js'
import { RunResources } from '../../src/engine/skills/run-resources.js'
import { defaultSkillSettings } from './schema-defaults.js'

export { defaultSkillSettings }


/**
 * The context a skill gets inside a run, for calling skills directly in tests. Nobody answers
 * `askHuman` unless the test supplies an answer.
 */
export function skillContext(workspace: string, overrides: Partial<SkillContext> = {}): SkillContext {
  return {
    workspace,
    settings: defaultSkillSettings(),
    signal: new AbortController().signal,
    sessionId: 'test-session',
    artifactDir: join(workspace, '.artifacts'),
    askHuman: async () => ({ approved: false, reviewer: 'test', reason: 'nobody to ask in this test' }),
    runState: () => ({ agent: 'test', sessionId: 'test-session', turn: 1, maxTurns: 20, tokensUsed: 0, costUsd: 0, toolCalls: [], startedAt: new Date().toISOString() }),
    disclosure: new FullDisclosure([]),
    resources: new RunResources(),
    record: () => undefined,
    ...overrides,
  }
}
