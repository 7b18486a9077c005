import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join, relative, resolve } from 'node:path'
import { parse, stringify } from 'yaml'
import type { AgentManifest, Model1, Schedule } from '../../src/engine/manifest/generated/manifest-types.js'
import { BUILTIN_SKILL_NAMES, isSkillPath } from '../../src/engine/skills/builtin-catalogue.js'
import { seededRandom, type Random } from '../../test/support/random.js'

interface Example {
  /** File name without `.yaml`; variants are named `<stem>-<round>.yaml`. */
  stem: string
  manifest: AgentManifest
}

type Variation = (manifest: AgentManifest, random: Random) => void

const MODEL_NAMES = {
  openai: ['gpt-4o-mini', 'gpt-4o', 'gpt-4.1-mini'],
  anthropic: ['claude-sonnet-4-5', 'claude-haiku-4-5', 'claude-opus-4-1'],
} as const
const TIMEZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney']
const CRON_EXPRESSIONS = ['0 7 * * 1-5', '*/15 * * * *', '0 0 1 * *', '30 6 * * 1', '0 30 6 * * 1', '0 12 * * 0,6']
const HOSTS = ['github.com', '.github.com', 'api.example.com', 'docs.example.org', '.internal.example.net']
const SENTENCES = [
  'Keep answers short.',
  'Cite the files you read.',
  'Ask before changing anything outside the workspace.',
  'Prefer plain language over jargon.',
  'Summarise what you did at the end.',
]

/**
 * Writes `count` valid manifests into `outDir`, varied from the examples in `examplesDir`, and
 * returns their paths. Skill directories the examples name are copied; sub-agent references are
 * pointed at a generated variant of the example they name (or dropped when there is none).
 */
export function generateManifests(examplesDir: string, outDir: string, count: number, seed: number): string[] {
  const examples = loadExamples(examplesDir)
  copyOrDropSkillPaths(examples, examplesDir, outDir)
  const random = seededRandom(seed)
  const files: string[] = []
  for (let index = 0; index < count; index++) {
    const example = examples[index % examples.length]!
    const round = Math.floor(index / examples.length)
    const manifest = structuredClone(example.manifest)
    manifest.name = `${example.manifest.name}-${round}`
    manifest.subAgents = manifest.subAgents?.flatMap((entry) => subAgentVariant(entry, examples, round, count))
    for (const vary of VARIATIONS) if (random.chance(0.5)) vary(manifest, random)
    const file = join(outDir, variantFileName(example.stem, round))
    writeFileSync(file, stringify(manifest))
    files.push(file)
  }
  return files
}

function variantFileName(stem: string, round: number): string {
  return `${stem}-${round}.yaml`
}

/** The generated variant of the example a sub-agent entry names, from the same round when it exists. */
function subAgentVariant(entry: string, examples: Example[], round: number, count: number): string[] {
  const target = examples.findIndex((example) => example.stem === basename(entry, '.yaml'))
  if (target < 0) return []
  const targetRound = round * examples.length + target < count ? round : round - 1
  return [`./${variantFileName(examples[target]!.stem, targetRound)}`]
}

function loadExamples(examplesDir: string): Example[] {
  return readdirSync(examplesDir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .map((name) => ({ stem: basename(name, '.yaml'), manifest: parse(readFileSync(join(examplesDir, name), 'utf8')) as AgentManifest }))
}

/** Copies Markdown skill paths that lie inside the examples directory; drops any other path. */
function copyOrDropSkillPaths(examples: Example[], examplesDir: string, outDir: string) {
  for (const { manifest } of examples) {
    manifest.skills = manifest.skills?.filter((entry) => {
      if (!isSkillPath(entry)) return true
      const source = resolve(examplesDir, entry)
      if (relative(examplesDir, source).startsWith('..')) return false
      cpSync(source, resolve(outDir, entry), { recursive: true })
      return true
    })
  }
}

/** Skills other parts of the manifest name, which must therefore stay declared. */
function referencedSkills(manifest: AgentManifest): Set<string> {
  return new Set([...Object.values(manifest.toolGroups ?? {}).flat(), ...(manifest.approval?.require ?? [])].filter((name) => name !== undefined))
}

const VARIATIONS: Variation[] = [
  function rewordDescription(manifest, random) {
    if (random.chance(0.3)) delete manifest.description
    else manifest.description = `${manifest.description ?? 'An agent'} (${random.pick(['draft', 'team copy', 'staging', 'experiment'])})`
  },
  function extendInstructions(manifest, random) {
    manifest.instructions = `${manifest.instructions ?? ''}\n${random.sample(SENTENCES, random.int(1, 3)).join(' ')}`.trim()
  },
  function tuneModel(manifest, random) {
    const model = manifest.model
    model.temperature = random.int(0, 20) / 10
    model.maxTokens = random.pick([512, 1024, 2048, 4096, 8192])
    if (model.provider !== 'scripted') model.name = random.pick(MODEL_NAMES[model.provider])
  },
  function toggleRetry(manifest, random) {
    if (manifest.model.retry) delete manifest.model.retry
    else manifest.model.retry = { maxRetries: random.int(0, 5), backoffBaseMs: random.int(100, 1000), backoffMaxMs: random.int(5000, 60000) }
  },
  function replaceFallbacks(manifest, random) {
    manifest.model.fallbacks = Array.from({ length: random.int(0, 2) }, () => fallbackModel(random))
  },
  function changeLimits(manifest, random) {
    if (random.chance(0.2)) return void delete manifest.limits
    manifest.limits = { ...manifest.limits, maxTurns: random.int(1, 40) }
    if (random.chance(0.5)) manifest.limits.maxCostUsd = random.int(1, 100) / 100
    if (random.chance(0.5)) manifest.limits.toolTimeoutSeconds = random.int(10, 300)
  },
  function addSkills(manifest, random) {
    const declared = manifest.skills ?? []
    const unused = BUILTIN_SKILL_NAMES.filter((name) => !declared.includes(name))
    manifest.skills = random.shuffle([...declared, ...random.sample(unused, random.int(1, 3))])
  },
  function dropUnreferencedSkill(manifest, random) {
    const referenced = referencedSkills(manifest)
    const droppable = (manifest.skills ?? []).filter((name) => !isSkillPath(name) && !referenced.has(name))
    if (droppable.length) {
      const dropped = random.pick(droppable)
      manifest.skills = manifest.skills!.filter((name) => name !== dropped)
    }
  },
  function restrictHttp(manifest, random) {
    manifest.skillSettings = { ...manifest.skillSettings, http: { allowHosts: random.sample(HOSTS, random.int(1, 4)), timeoutSeconds: random.int(5, 60) } }
  },
  function toggleMemory(manifest, random) {
    if (manifest.memory) return void delete manifest.memory.fusion
    manifest.memory = { path: `.agentor/memory-${random.int(1, 99)}`, embedder: { kind: 'local', dimension: random.pick([64, 128, 256, 512]) }, fusion: { alpha: random.int(0, 10) / 10 } }
  },
  function toggleTranscripts(manifest, random) {
    if (manifest.transcripts) delete manifest.transcripts
    else manifest.transcripts = { enabled: random.chance(0.8), dir: `.agentor/transcripts-${random.int(1, 99)}` }
  },
  function toggleServer(manifest, random) {
    if (manifest.server) delete manifest.server
    else manifest.server = { host: random.pick(['127.0.0.1', '0.0.0.0']), port: random.int(1024, 65535) }
  },
  function addMcpServer(manifest, random) {
    const servers = manifest.mcpServers ?? []
    manifest.mcpServers = [...servers, { name: `extra-${servers.length}`, command: 'node', args: [`./mcp/server-${random.int(1, 9)}.js`], timeoutSeconds: random.int(5, 60) }]
  },
  function replaceSchedules(manifest, random) {
    manifest.schedules = Array.from({ length: random.int(0, 3) }, (_, index) => schedule(index, random))
  },
  function tuneWebhooks(manifest, random) {
    for (const webhook of manifest.webhooks ?? []) {
      webhook.mode = random.pick(['async', 'sync'])
      webhook.budget = { maxTurns: random.int(1, 20), maxCostUsd: random.int(1, 50) / 100 }
    }
  },
]

function fallbackModel(random: Random): Model1 {
  const provider = random.pick(['openai', 'anthropic'] as const)
  const model: Model1 = { provider, name: random.pick(MODEL_NAMES[provider]) }
  if (random.chance(0.5)) model.pricing = { inputPerMTok: random.int(1, 300) / 100, outputPerMTok: random.int(1, 1500) / 100 }
  return model
}

function schedule(index: number, random: Random): Schedule {
  return {
    name: `run-${index}`,
    cron: random.pick(CRON_EXPRESSIONS),
    timezone: random.pick(TIMEZONES),
    task: random.pick(SENTENCES),
    ...(random.chance(0.3) ? { catchUp: 'once' as const } : {}),
  }
}
