import { realpathSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { EventSink } from './agent/events.js'
import { runAgent, type AgentSetup, type RunOptions, type RunResult } from './agent/run.js'
import { AgentorError } from './errors.js'
import { secretEnvironmentValues } from './secrets.js'
import { createBackend } from './llm/backends.js'
import { FailoverModel } from './llm/failover.js'
import type { ResolvedAgentManifest, ResolvedModel, ResolvedPricing } from './manifest/generated/manifest-types.js'
import { isSkillPath } from './skills/builtin-catalogue.js'
import { BUILTIN_SKILL_LOADERS } from './skills/builtins/index.js'
import { SkillRegistry } from './skills/registry.js'
import { loadMarkdownSkills, type MarkdownSkills } from './skills/markdown/markdown-skills.js'
import { toolEnableSkill, toolSearchSkill } from './skills/builtins/meta-tools.js'
import { selectToolNames } from './skills/tool-selection.js'
import { loadPlugins } from './plugins/loader.js'
import type { AgentorPlugin } from './plugins/contract.js'
import { FileTranscriptStore } from './transcript/file-store.js'
import { createAutoApprovalChannel, createUnavailableApprovalChannel } from './approval/auto-channel.js'
import type { ApprovalChannel } from './approval/contract.js'
import type { MemoryStore } from './memory/store.js'
import { ApprovalGate } from './approval/gate.js'
import { createRedactor } from './transcript/redactor.js'

export interface CompileOptions {
  /** Path of the manifest file; relative paths in it resolve against its directory. */
  manifestPath: string
  /** Replaces the primary model's name (`agentor run --model`). */
  modelName?: string
  env?: Readonly<Record<string, string | undefined>>
  /** Where approvals are asked; default from `approval.channel` (`auto`, or a channel that denies). */
  approvalChannel?: ApprovalChannel
  /** Things the user should know that do not stop the engine (e.g. FAISS unavailable, using the WebAssembly index). */
  onNotice?: (message: string) => void
  /** Injectable for tests: backoff sleeps. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export interface Engine {
  readonly manifest: ResolvedAgentManifest
  readonly transcripts: FileTranscriptStore | undefined
  readonly toolNames: readonly string[]
  run(task: string, options?: RunOptions): Promise<RunResult>
  /** Releases what the engine holds open (the memory store); call once, after the last run. */
  close(): Promise<void>
}

/** Turns a validated manifest into an engine that runs tasks. */
export async function compile(manifest: ResolvedAgentManifest, options: CompileOptions): Promise<Engine> {
  const baseDir = dirname(resolve(options.manifestPath))
  const env = options.env ?? process.env
  const chain = [{ ...manifest.model, ...(options.modelName ? { name: options.modelName } : {}) }, ...manifest.model.fallbacks]
  const backends = await Promise.all(chain.map((model) => createBackend(model, baseDir)))
  const model = new FailoverModel(backends.map((backend, index) => ({ backend, retry: chain[index]!.retry })), options.sleep ? { sleep: options.sleep } : {})
  const pricing = new Map<string, ResolvedPricing | undefined>(backends.map((backend, index) => [backend.label, chain[index]!.pricing]))
  const markdown = loadMarkdownSkills(manifest.skills.filter(isSkillPath), baseDir)
  const memory = manifest.skills.some((skill) => MEMORY_SKILLS.includes(skill)) ? await openMemoryStore(manifest, baseDir, options.onNotice) : undefined
  const registry = await registerSkills(manifest, baseDir, markdown, memory)
  const plugins = await loadPlugins(manifest.plugins, baseDir, registry)
  const toolNames = selectToolNames(manifest, registry.names())
  const progressive = manifest.tools.disclosure === 'progressive'
  if (progressive) for (const skill of [toolSearchSkill, toolEnableSkill]) registry.register(skill)
  const transcripts = manifest.transcripts.enabled
    ? new FileTranscriptStore(resolve(baseDir, manifest.transcripts.dir), createRedactor(secretValues(manifest, chain, env)))
    : undefined
  const setup: AgentSetup = {
    name: manifest.name,
    system: manifest.instructions + markdown.prompt,
    toolRequirements: markdown.requirements,
    model,
    pricing,
    registry,
    tools: registry.specs(toolNames),
    ...(progressive ? { metaTools: registry.specs([toolSearchSkill.name, toolEnableSkill.name]) } : {}),
    limits: manifest.limits,
    workspace: workspaceOf(baseDir, manifest.workspace),
    skillSettings: manifest.skillSettings,
    artifactsRoot: resolve(baseDir, manifest.artifactsDir),
    gate: new ApprovalGate(manifest.approval, options.approvalChannel ?? defaultApprovalChannel(manifest)),
    ...(transcripts ? { transcripts } : {}),
  }
  return {
    manifest,
    transcripts,
    toolNames,
    run: (task, runOptions = {}) => runAgent(setup, task, { ...runOptions, onEvent: notifyPlugins(plugins, runOptions.onEvent) }),
    close: async () => { await memory?.close() },
  }
}

const MEMORY_SKILLS = ['memory_store', 'memory_search']

async function registerSkills(manifest: ResolvedAgentManifest, baseDir: string, markdown: MarkdownSkills, memory: MemoryStore | undefined): Promise<SkillRegistry> {
  const registry = new SkillRegistry()
  const builtins = manifest.skills.filter((skill) => !isSkillPath(skill) && !MEMORY_SKILLS.includes(skill))
  if (memory) {
    const { createMemorySkills } = await import('./skills/builtins/memory-store.js')
    const skills = createMemorySkills(memory)
    for (const name of MEMORY_SKILLS) if (manifest.skills.includes(name)) registry.register(skills[name as keyof typeof skills])
  }
  const unavailable = builtins.filter((name) => !BUILTIN_SKILL_LOADERS[name])
  for (const skill of await Promise.all(builtins.filter((name) => BUILTIN_SKILL_LOADERS[name]).map((name) => BUILTIN_SKILL_LOADERS[name]!({ manifest, baseDir })))) registry.register(skill)
  if (unavailable.length) throw new AgentorError('E_SKILL_UNAVAILABLE', `this version of agentor cannot run: ${unavailable.join(', ')}`, 'remove them from `skills:` to run this manifest now')
  for (const skill of markdown.tools) registry.register(skill)
  return registry
}

/** The manifest's workspace as a real path (what file and shell tools are confined to and the sandbox mounts). */
export function workspaceOf(baseDir: string, workspace: string): string {
  try {
    return realpathSync(resolve(baseDir, workspace))
  } catch {
    throw new AgentorError('E_WORKSPACE', `workspace directory ${resolve(baseDir, workspace)} does not exist`, 'create it or change `workspace:` in the manifest')
  }
}

/** Values that must never reach a transcript: configured keys, and every variable named like a credential. */
function secretValues(manifest: ResolvedAgentManifest, chain: readonly ResolvedModel[], env: Readonly<Record<string, string | undefined>>): (string | undefined)[] {
  return [
    ...chain.map((model) => model.apiKey),
    manifest.memory.embedder.apiKey,
    ...manifest.webhooks.map((webhook) => webhook.secret),
    ...secretEnvironmentValues(env),
  ]
}

function notifyPlugins(plugins: readonly AgentorPlugin[], listener: EventSink | undefined): EventSink | undefined {
  const handlers = plugins.flatMap((plugin) => (plugin.onEvent ? [plugin.onEvent.bind(plugin)] : []))
  if (handlers.length === 0) return listener
  return (event) => {
    listener?.(event)
    for (const handler of handlers) {
      try {
        handler(event)
      } catch {
        // A plugin's failure to observe an event must not break the run it observes.
      }
    }
  }
}

function defaultApprovalChannel(manifest: ResolvedAgentManifest): ApprovalChannel {
  if (manifest.approval.channel === 'auto') return createAutoApprovalChannel('approval.channel: auto')
  return createUnavailableApprovalChannel(`approval needs the ${manifest.approval.channel} channel, which this engine was not given`)
}

async function openMemoryStore(manifest: ResolvedAgentManifest, baseDir: string, onNotice: ((message: string) => void) | undefined): Promise<MemoryStore> {
  const { MemoryStore, memoryDir } = await import('./memory/store.js')
  return MemoryStore.open(memoryDir(baseDir, manifest.memory), manifest.memory, { onNotice: onNotice ?? (() => undefined) })
}
