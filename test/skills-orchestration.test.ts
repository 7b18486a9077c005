import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { skillContext } from './support/skill-context.js'
import { after, describe, test } from 'node:test'
import { createManifestAjv } from '../src/engine/manifest/ajv-options.js'
import type { ResolvedSkillSettings } from '../src/engine/manifest/generated/manifest-types.js'
import { SkillError, type HumanAnswer, type RiskLevel, type RunState, type Skill, type SkillContext } from '../src/engine/skills/contract.js'
import { artifactStoreSkill, MAX_ARTIFACT_BYTES, MAX_ARTIFACTS } from '../src/engine/skills/builtins/artifact-store.js'
import { humanApprovalSkill } from '../src/engine/skills/builtins/human-approval.js'
import { formatDuration, taskStatusSkill } from '../src/engine/skills/builtins/task-status.js'

const base = realpathSync(mkdtempSync(join(tmpdir(), 'agentor-skills-orch-')))
after(() => rmSync(base, { recursive: true, force: true }))
const ws = join(base, 'ws')
mkdirSync(ws)

const settings: ResolvedSkillSettings = {
  files: { maxReadBytes: 1024 * 1024, maxWriteBytes: 10 * 1024 * 1024 },
  shell: { timeoutSeconds: 30, maxOutputBytes: 50000, deny: [] },
  http: { timeoutSeconds: 30, maxBytes: 5 * 1024 * 1024, maxRedirects: 5 },
}

type Question = { summary: string; details?: string; risk: RiskLevel }

function runStateOf(overrides: Partial<RunState> = {}): RunState {
  return {
    agent: 'reviewer',
    sessionId: 's-1',
    turn: 1,
    maxTurns: 10,
    tokensUsed: 0,
    costUsd: 0,
    toolCalls: [],
    startedAt: new Date().toISOString(),
    ...overrides,
  }
}

function context(options: { artifactDir?: string; askHuman?: SkillContext['askHuman']; runState?: RunState; signal?: AbortSignal } = {}): SkillContext {
  const state = options.runState ?? runStateOf()
  return skillContext(ws, {
    settings,
    signal: options.signal ?? new AbortController().signal,
    sessionId: state.sessionId,
    artifactDir: options.artifactDir ?? join(base, 'artifacts-default'),
    askHuman: options.askHuman ?? (async () => ({ approved: false, reviewer: 'nobody', reason: 'no channel in this test' })),
    runState: () => state,
  })
}

async function call(skill: Skill, args: Record<string, unknown>, ctx: SkillContext): Promise<string> {
  const result = await skill.invoke(args, ctx)
  if (typeof result === 'string') return result
  assert.notEqual(result.isError, true, 'expected a successful result')
  return result.content
}

async function refused(skill: Skill, args: Record<string, unknown>, ctx: SkillContext, pattern?: RegExp): Promise<string> {
  let message = ''
  await assert.rejects(skill.invoke(args, ctx), (error: unknown) => {
    assert.ok(error instanceof SkillError, `expected SkillError, got ${String(error)}`)
    message = error.message
    return true
  })
  if (pattern) assert.match(message, pattern)
  return message
}

/** A reviewer that records each question and answers from a queue. */
function reviewer(answers: HumanAnswer[]): { asked: Question[]; askHuman: SkillContext['askHuman'] } {
  const asked: Question[] = []
  return {
    asked,
    askHuman: async (question) => {
      asked.push(question)
      const answer = answers.shift()
      if (!answer) throw new Error('no answer left')
      return answer
    },
  }
}

describe('schemas', () => {
  test('every schema compiles under strict ajv and rejects unknown arguments', () => {
    const ajv = createManifestAjv()
    for (const skill of [humanApprovalSkill, artifactStoreSkill, taskStatusSkill]) {
      assert.equal(skill.risk, 'low')
      const validate = ajv.compile(skill.parameters)
      assert.equal(validate({ unexpected: 1 }), false, `${skill.name} must reject unknown arguments`)
    }
    const approval = ajv.compile(humanApprovalSkill.parameters)
    assert.equal(approval({ summary: 'x', risk: 'high' }), true)
    assert.equal(approval({ summary: 'x', risk: 'extreme' }), false)
    assert.equal(approval({}), false)
    const store = ajv.compile(artifactStoreSkill.parameters)
    assert.equal(store({ action: 'list' }), true)
    assert.equal(store({ action: 'rename', name: 'a' }), false)
    assert.equal(ajv.compile(taskStatusSkill.parameters)({}), true)
  })
})

describe('human_approval', () => {
  test('approval: passes the question on and returns a success with the JSON answer', async () => {
    const person = reviewer([{ approved: true, reviewer: 'alice' }])
    const result = await humanApprovalSkill.invoke({ summary: '  Delete the build cache  ', details: 'rm -rf .cache', risk: 'high' }, context({ askHuman: person.askHuman }))
    assert.equal(typeof result, 'object')
    const content = typeof result === 'string' ? result : result.content
    assert.notEqual(typeof result === 'string' ? undefined : result.isError, true)
    assert.deepEqual(person.asked, [{ summary: 'Delete the build cache', details: 'rm -rf .cache', risk: 'high' }])
    const [lead, json, ...rest] = content.split('\n')
    assert.equal(rest.length, 0)
    assert.equal(lead, 'Approved by alice')
    assert.deepEqual(JSON.parse(json!), { approved: true, reviewer: 'alice' })
  })

  test('denial with a reason is still a success the model can act on; risk defaults to medium', async () => {
    const person = reviewer([{ approved: false, reviewer: 'bob', reason: 'not on a Friday\nplease' }])
    const content = await call(humanApprovalSkill, { summary: 'Deploy to production' }, context({ askHuman: person.askHuman }))
    assert.deepEqual(person.asked, [{ summary: 'Deploy to production', risk: 'medium' }])
    const [lead, json] = content.split('\n')
    assert.match(lead!, /^Not approved by bob: not on a Friday please — do not go ahead/)
    assert.deepEqual(JSON.parse(json!), { approved: false, reviewer: 'bob', reason: 'not on a Friday\nplease' })
  })

  test('an empty or blank summary is refused without asking anyone', async () => {
    const person = reviewer([{ approved: true, reviewer: 'alice' }])
    await refused(humanApprovalSkill, { summary: '' }, context({ askHuman: person.askHuman }), /summary/)
    await refused(humanApprovalSkill, { summary: ' \n\t ' }, context({ askHuman: person.askHuman }), /summary/)
    assert.equal(person.asked.length, 0)
  })

  test('a failing channel or a cancelled run is an error, never an approval', async () => {
    const broken = context({ askHuman: async () => { throw new Error('terminal closed') } })
    await refused(humanApprovalSkill, { summary: 'x' }, broken, /terminal closed.*not approved/)

    const controller = new AbortController()
    const waiting = context({ signal: controller.signal, askHuman: () => new Promise<HumanAnswer>(() => undefined) })
    const pending = humanApprovalSkill.invoke({ summary: 'x' }, waiting)
    controller.abort()
    await assert.rejects(pending, (error: unknown) => error instanceof SkillError && /cancelled/.test(error.message))
  })
})

describe('artifact_store', () => {
  test('put, get, list and delete', async () => {
    const dir = join(base, 'artifacts-basic')
    const ctx = context({ artifactDir: dir })
    assert.equal(await call(artifactStoreSkill, { action: 'list' }, ctx), '[no artifacts stored in this session]')
    assert.equal(existsSync(dir), false, 'nothing is created before the first put')

    assert.equal(await call(artifactStoreSkill, { action: 'put', name: 'report.md', content: '# Report\nhéllo' }, ctx), "stored artifact 'report.md' (15 bytes)")
    assert.equal(readFileSync(join(dir, 'report.md'), 'utf8'), '# Report\nhéllo')
    assert.equal(await call(artifactStoreSkill, { action: 'get', name: 'report.md' }, ctx), '# Report\nhéllo')

    assert.equal(await call(artifactStoreSkill, { action: 'put', name: 'report.md', content: 'v2' }, ctx), "replaced artifact 'report.md' (2 bytes)")
    assert.equal(await call(artifactStoreSkill, { action: 'get', name: 'report.md' }, ctx), 'v2')
    await call(artifactStoreSkill, { action: 'put', name: 'a_plan-1.txt', content: 'step 1' }, ctx)
    await call(artifactStoreSkill, { action: 'put', name: 'empty', content: '' }, ctx)
    assert.equal(await call(artifactStoreSkill, { action: 'get', name: 'empty' }, ctx), "[artifact 'empty' is empty]")
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), [], 'no temp files remain')

    const listing = await call(artifactStoreSkill, { action: 'list' }, ctx)
    const lines = listing.split('\n')
    assert.equal(lines.length, 4)
    assert.match(lines[0]!, /^a_plan-1\.txt\s+6 bytes\s+\d{4}-\d\d-\d\dT[\d:.]+Z$/)
    assert.match(lines[1]!, /^empty\s+0 bytes\s+/)
    assert.match(lines[2]!, /^report\.md\s+2 bytes\s+/)
    assert.equal(lines[3], '[3 artifacts, 8 B in all]')
    const mtime = statSync(join(dir, 'report.md')).mtime.toISOString()
    assert.ok(lines[2]!.endsWith(mtime))

    assert.equal(await call(artifactStoreSkill, { action: 'delete', name: 'a_plan-1.txt' }, ctx), "deleted artifact 'a_plan-1.txt'")
    assert.equal(existsSync(join(dir, 'a_plan-1.txt')), false)
    const missing = await refused(artifactStoreSkill, { action: 'get', name: 'a_plan-1.txt' }, ctx, /no artifact named 'a_plan-1\.txt'/)
    assert.match(missing, /stored: empty, report\.md/)
    await refused(artifactStoreSkill, { action: 'delete', name: 'nope' }, ctx, /no artifact named 'nope'; stored: empty, report\.md/)
    await refused(artifactStoreSkill, { action: 'get', name: 'x' }, context({ artifactDir: join(base, 'never-created') }), /no artifacts are stored yet/)
  })

  test('names are validated: no paths, no traversal, no empty or hidden names', async () => {
    const dir = join(base, 'artifacts-names')
    const ctx = context({ artifactDir: dir })
    for (const name of ['../x', 'a/b', '', '.hidden', 'a..b', '..', '-dash', 'sp ace', 'x'.repeat(129), 'a\\b', 'nul\0']) {
      await refused(artifactStoreSkill, { action: 'put', name, content: 'x' }, ctx, name === '' ? /name is required/ : /invalid artifact name/)
      await refused(artifactStoreSkill, { action: 'get', name }, ctx)
      await refused(artifactStoreSkill, { action: 'delete', name }, ctx)
    }
    await refused(artifactStoreSkill, { action: 'put', content: 'x' }, ctx, /name is required/)
    await refused(artifactStoreSkill, { action: 'put', name: 'ok' }, ctx, /put needs content/)
    assert.equal(existsSync(join(base, 'x')), false)
    assert.deepEqual(existsSync(dir) ? readdirSync(dir) : [], [])
    assert.equal(await call(artifactStoreSkill, { action: 'put', name: 'x'.repeat(128), content: 'ok' }, ctx), `stored artifact '${'x'.repeat(128)}' (2 bytes)`)
  })

  test('a symlink planted in the artifact directory is not read through', async () => {
    const dir = join(base, 'artifacts-symlink')
    mkdirSync(dir)
    writeFileSync(join(base, 'secret.txt'), 'TOP SECRET')
    symlinkSync(join(base, 'secret.txt'), join(dir, 'leak'))
    const ctx = context({ artifactDir: dir })
    const message = await refused(artifactStoreSkill, { action: 'get', name: 'leak' }, ctx, /no artifact named 'leak'/)
    assert.ok(!message.includes('TOP SECRET'))
    assert.equal(await call(artifactStoreSkill, { action: 'list' }, ctx), '[no artifacts stored in this session]')
  })

  test('size and count caps', async () => {
    const dir = join(base, 'artifacts-caps')
    const ctx = context({ artifactDir: dir })
    await refused(artifactStoreSkill, { action: 'put', name: 'big', content: 'x'.repeat(MAX_ARTIFACT_BYTES + 1) }, ctx, new RegExp(`${MAX_ARTIFACT_BYTES + 1} bytes, over the ${MAX_ARTIFACT_BYTES}-byte artifact limit`))
    assert.equal(existsSync(join(dir, 'big')), false)
    assert.equal(await call(artifactStoreSkill, { action: 'put', name: 'big', content: 'x'.repeat(MAX_ARTIFACT_BYTES) }, ctx), `stored artifact 'big' (${MAX_ARTIFACT_BYTES} bytes)`)
    // Multi-byte characters count as bytes.
    await refused(artifactStoreSkill, { action: 'put', name: 'wide', content: 'é'.repeat(MAX_ARTIFACT_BYTES / 2 + 1) }, ctx, /over the/)

    for (let index = 1; index < MAX_ARTIFACTS; index++) writeFileSync(join(dir, `n${index}`), '')
    await refused(artifactStoreSkill, { action: 'put', name: 'one-more', content: 'x' }, ctx, new RegExp(`already keeps ${MAX_ARTIFACTS} artifacts \\(the limit is ${MAX_ARTIFACTS}\\)`))
    assert.equal(await call(artifactStoreSkill, { action: 'put', name: 'n1', content: 'replacing is fine' }, ctx), "replaced artifact 'n1' (17 bytes)")
    await call(artifactStoreSkill, { action: 'delete', name: 'big' }, ctx)
    assert.equal(await call(artifactStoreSkill, { action: 'put', name: 'one-more', content: 'x' }, ctx), "stored artifact 'one-more' (1 bytes)")
  })

  test('artifacts persist: a second context with the same artifactDir (a resumed session) sees them', async () => {
    const dir = join(base, 'sessions', 's-42', 'artifacts')
    const first = context({ artifactDir: dir, runState: runStateOf({ sessionId: 's-42' }) })
    await call(artifactStoreSkill, { action: 'put', name: 'notes.txt', content: 'remember me' }, first)
    const resumed = context({ artifactDir: dir, runState: runStateOf({ sessionId: 's-42' }) })
    assert.equal(await call(artifactStoreSkill, { action: 'get', name: 'notes.txt' }, resumed), 'remember me')
    assert.match(await call(artifactStoreSkill, { action: 'list' }, resumed), /^notes\.txt\s+11 bytes/)
    const other = context({ artifactDir: join(base, 'sessions', 's-43', 'artifacts') })
    await refused(artifactStoreSkill, { action: 'get', name: 'notes.txt' }, other, /no artifacts are stored yet/)
  })
})

describe('task_status', () => {
  test('renders turns, tokens and cost against caps, tool calls with errors, elapsed time, and the raw state', async () => {
    const state = runStateOf({
      agent: 'builder',
      sessionId: 'sess-7',
      turn: 3,
      maxTurns: 20,
      tokensUsed: 12345,
      maxTokens: 100000,
      costUsd: 0.25,
      maxCostUsd: 1,
      toolCalls: [
        { name: 'file_read', isError: false },
        { name: 'shell', isError: true },
        { name: 'file_read', isError: false },
        { name: 'shell', isError: false },
        { name: 'file_read', isError: true },
      ],
      startedAt: new Date(Date.now() - 3_725_000).toISOString(),
    })
    const text = await call(taskStatusSkill, {}, context({ runState: state }))
    assert.match(text, /^Agent 'builder', session sess-7$/m)
    assert.match(text, /^Turn 3 of 20 \(17 turns left\)$/m)
    assert.match(text, /^Tokens: 12,345 of 100,000 \(12\.3%\)$/m)
    assert.match(text, /^Cost: \$0\.25 of \$1\.00 \(25\.0%\)$/m)
    assert.match(text, /^Tool calls: 5 \(2 errors\) — file_read ×3 \(1 error\), shell ×2 \(1 error\)$/m)
    assert.match(text, /^Elapsed: 1h 2m \d+s since \d{4}-/m)
    const raw = text.slice(text.indexOf('Raw state:\n') + 'Raw state:\n'.length)
    assert.deepEqual(JSON.parse(raw), state)
  })

  test('no caps, no calls, and an unreadable start time', async () => {
    const text = await call(taskStatusSkill, {}, context({ runState: runStateOf({ tokensUsed: 42, costUsd: 0.001, startedAt: 'whenever' }) }))
    assert.match(text, /^Turn 1 of 10 \(9 turns left\)$/m)
    assert.match(text, /^Tokens: 42 \(no cap\)$/m)
    assert.match(text, /^Cost: \$0\.0010 \(no cap\)$/m)
    assert.match(text, /^Tool calls: none yet$/m)
    assert.match(text, /^Elapsed: unknown/m)
    assert.equal(formatDuration(42_400), '42s')
    assert.equal(formatDuration(180_000), '3m 0s')
    assert.equal(formatDuration(-5), '0s')
  })
})
