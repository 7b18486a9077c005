import { join } from 'node:path'
import { createManifestAjv } from '../../src/engine/manifest/ajv-options.js'
import type { ResolvedSkillSettings } from '../../src/engine/manifest/generated/manifest-types.js'
import { manifestSchema } from '../../src/engine/manifest/schema-file.js'
import type { SkillContext } from '../../src/engine/skills/contract.js'
import { FullDisclosure } from '../../src/engine/skills/disclosure.js'

/** `skillSettings` as a manifest without that section gets them: the schema's defaults. */
export function defaultSkillSettings(): ResolvedSkillSettings {
  const ajv = createManifestAjv()
  ajv.addSchema(manifestSchema(), 'manifest')
  const settings = {}
  ajv.compile({ $ref: 'manifest#/definitions/skillSettings' })(settings)
  return settings as ResolvedSkillSettings
}

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
    ...overrides,
  }
}
