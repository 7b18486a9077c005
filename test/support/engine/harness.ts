/**
 * Shared plumbing for the engine tests: temporary agent directories with a manifest written as
 * YAML, engines compiled from them with a recording (instant) backoff sleep, fake model servers
 * that are always closed, and the transcript read back from disk line by line.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import type { RunEvent } from '../../../src/engine/agent/events.js'
import type { RunOptions, RunResult } from '../../../src/engine/agent/run.js'
import { compile, type Engine } from '../../../src/engine/compile.js'
import { loadManifest } from '../../../src/engine/manifest/load.js'
import type { TranscriptEntry } from '../../../src/engine/transcript/contract.js'
import { startFakeModelServer, type FakeModelServer, type RecordedRequest } from '../fake-model-server.js'

// The SDKs log the broken chunks that malformed-body faults provoke; the tests do that on purpose.
process.env.OPENAI_LOG = 'off'
process.env.ANTHROPIC_LOG = 'off'

export type Provider = 'openai' | 'anthropic'
export const PROVIDERS: readonly Provider[] = ['openai', 'anthropic']
export const OTHER: Record<Provider, Provider> = { openai: 'anthropic', anthropic: 'openai' }
export const MODEL_NAMES: Record<Provider, string> = { openai: 'gpt-4o-mini', anthropic: 'claude-sonnet-5-5' }
export const API_KEY = 'test-key'
/** Where every manifest written here keeps its transcripts, relative to the manifest. */
export const TRANSCRIPT_DIR = 't'

type Json = Record<string, unknown>

export function label(provider: Provider, name: string = MODEL_NAMES[provider]): string {
  return `${provider}:${name}`
}

/** The base URL each SDK needs to reach the fake server. */
export function baseUrlFor(provider: Provider, server: FakeModelServer): string {
  return provider === 'openai' ? `${server.url}/v1` : server.url
}

export interface ModelOptions {
  name?: string
  apiKey?: string
  retry?: { maxRetries?: number; backoffBaseMs?: number; backoffMaxMs?: number }
  timeoutMs?: number
  maxTokens?: number
  pricing?: { inputPerMTok: number; outputPerMTok: number }
}

/** One `model:` (or `fallbacks:` entry) pointing at a fake server. */
export function modelEntry(provider: Provider, server: FakeModelServer, options: ModelOptions = {}): Json {
  return {
    provider,
    name: options.name ?? MODEL_NAMES[provider],
    apiKey: options.apiKey ?? API_KEY,
    baseUrl: baseUrlFor(provider, server),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens } : {}),
    ...(options.pricing ? { pricing: options.pricing } : {}),
    retry: { maxRetries: 2, backoffBaseMs: 500, backoffMaxMs: 30000, ...options.retry },
  }
}

export interface AgentSpec {
  name?: string
  instructions?: string
  /** The primary model; `fallbacks` are added under it. */
  model: Json
  fallbacks?: Json[]
  skills?: string[]
  limits?: Json
  plugins?: Json[]
  skillSettings?: Json
  workspace?: string
  sandbox?: Json
  browser?: Json
}

/** The manifest as YAML text, `agentor: 1` first. */
export function manifestText(spec: AgentSpec): string {
  const manifest: Json = {
    agentor: 1,
    name: spec.name ?? 'tester',
    instructions: spec.instructions ?? 'You are a test agent.',
    ...(spec.workspace ? { workspace: spec.workspace } : {}),
    model: { ...spec.model, ...(spec.fallbacks?.length ? { fallbacks: spec.fallbacks } : {}) },
    skills: spec.skills ?? [],
    ...(spec.skillSettings ? { skillSettings: spec.skillSettings } : {}),
    ...(spec.sandbox ? { sandbox: spec.sandbox } : {}),
    ...(spec.browser ? { browser: spec.browser } : {}),
    ...(spec.limits ? { limits: spec.limits } : {}),
    ...(spec.plugins ? { plugins: spec.plugins } : {}),
    transcripts: { dir: `./${TRANSCRIPT_DIR}` },
  }
  return stringify(manifest)
}

/** A fresh temporary directory, removed after `run`. */
export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'agentor-engine-'))
  try {
    return await run(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** `count` fake model servers, all closed afterwards whatever happens. */
export async function withServers<T>(count: number, run: (...servers: FakeModelServer[]) => Promise<T>): Promise<T> {
  const servers: FakeModelServer[] = []
  try {
    for (let index = 0; index < count; index++) servers.push(await startFakeModelServer())
    return await run(...servers)
  } finally {
    await Promise.all(servers.map((server) => server.close()))
  }
}

export interface Harness {
  dir: string
  manifestPath: string
  engine: Engine
  /** Backoff delays the engine asked for, in order; nothing actually waits. */
  delays: number[]
  /** Events of every run so far, in order (text deltas included). */
  events: RunEvent[]
  run(task: string, options?: Omit<RunOptions, 'onEvent'>): Promise<RunResult>
  transcriptPath(sessionId: string): string
  /** The transcript file's lines, parsed; fails the test if any line is not JSON. */
  transcript(sessionId: string): TranscriptEntry[]
}

export interface BuildOptions {
  env?: Record<string, string | undefined>
  modelName?: string
  /** Written as `agent.yaml` unless given. */
  file?: string
}

/** Writes the manifest into `dir`, loads and compiles it with a recording sleep. */
export async function buildEngine(dir: string, text: string, options: BuildOptions = {}): Promise<Harness> {
  const manifestPath = join(dir, options.file ?? 'agent.yaml')
  writeFileSync(manifestPath, text)
  const env = options.env ?? {}
  const { manifest } = await loadManifest(manifestPath, { env })
  const delays: number[] = []
  const engine = await compile(manifest, {
    manifestPath,
    env,
    ...(options.modelName ? { modelName: options.modelName } : {}),
    sleep: async (ms) => { delays.push(ms) },
  })
  const events: RunEvent[] = []
  const transcriptPath = (sessionId: string) => join(dir, TRANSCRIPT_DIR, `${sessionId}.jsonl`)
  return {
    dir,
    manifestPath,
    engine,
    delays,
    events,
    run: (task, runOptions = {}) => engine.run(task, { ...runOptions, onEvent: (event) => events.push(event) }),
    transcriptPath,
    transcript: (sessionId) => readTranscriptFile(transcriptPath(sessionId)),
  }
}

/** Every line of a JSONL transcript, parsed; a line that is not JSON fails the test. */
export function readTranscriptFile(file: string): TranscriptEntry[] {
  assert.ok(existsSync(file), `transcript ${file} exists`)
  const lines = readFileSync(file, 'utf8').split('\n')
  assert.equal(lines.at(-1), '', 'the file ends with a newline')
  return lines.slice(0, -1).map((line, index) => {
    try {
      return JSON.parse(line) as TranscriptEntry
    } catch (error) {
      assert.fail(`line ${index + 1} of ${file} is not JSON (${(error as Error).message}): ${line}`)
    }
  })
}

/** The session files in a transcript directory, by session id. */
export function sessionsIn(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).filter((name) => name.endsWith('.jsonl')).map((name) => name.slice(0, -'.jsonl'.length)).sort()
}

export function ofType<T extends TranscriptEntry['type']>(entries: readonly TranscriptEntry[], type: T): Extract<TranscriptEntry, { type: T }>[] {
  return entries.filter((entry): entry is Extract<TranscriptEntry, { type: T }> => entry.type === type)
}

export function eventsOfType<T extends RunEvent['type']>(events: readonly RunEvent[], type: T): Extract<RunEvent, { type: T }>[] {
  return events.filter((event): event is Extract<RunEvent, { type: T }> => event.type === type)
}

/** Requests a server received for one model name (several models can share a server). */
export function requestsFor(server: FakeModelServer, model: string): RecordedRequest[] {
  return server.requests.filter((request) => request.body?.model === model)
}

/** A plugin module providing the skill `boom`, which always throws `kaboom`. */
export const BOOM_PLUGIN = `export default {
  name: 'boom-plugin',
  setup(api) {
    api.registerSkill({
      name: 'boom',
      description: 'Always fails',
      parameters: { type: 'object', properties: {}, additionalProperties: false },
      risk: 'low',
      invoke() { throw new Error('kaboom') },
    })
  },
}
`

export function writeBoomPlugin(dir: string): Json {
  writeFileSync(join(dir, 'boom.mjs'), BOOM_PLUGIN)
  return { module: './boom.mjs', skills: ['boom'] }
}
