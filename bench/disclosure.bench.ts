// Prompt tokens the model receives with 100 tools: every schema up front (`disclosure: all`)
// against a catalogue plus two meta-tools (`disclosure: progressive`), counted with the o200k
// tokenizer of current OpenAI models on the exact request fields agentor sends.
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import type { ToolSpec } from '../src/engine/llm/contract.js'
import { toolsParam } from '../src/engine/llm/openai-backend.js'
import { BUILTIN_SKILL_LOADERS } from '../src/engine/skills/builtins/index.js'
import { toolEnableSkill, toolSearchSkill } from '../src/engine/skills/builtins/meta-tools.js'
import { FullDisclosure, ProgressiveDisclosure, type ToolDisclosure } from '../src/engine/skills/disclosure.js'
import { seededRandom } from '../test/support/random.js'
import { resolvedManifest } from '../test/support/schema-defaults.js'
import { ensurePeers, installedVersion, PEERS } from './support/peers.js'

const TOOLS = 100
const SYSTEM = 'You triage GitHub issues. Search memory for similar issues, then reply with labels and a summary.'
const SERVICES = ['github', 'jira', 'slack', 'calendar', 'drive', 'billing', 'crm', 'docs', 'search', 'metrics']
const ACTIONS = ['create', 'get', 'list', 'update', 'delete', 'search', 'archive', 'assign', 'comment', 'export']
const FIELDS: [string, Record<string, unknown>][] = [
  ['id', { type: 'string', description: 'Identifier of the item' }],
  ['query', { type: 'string', description: 'Free-text search query; supports field:value filters' }],
  ['limit', { type: 'integer', minimum: 1, maximum: 100, description: 'Maximum number of results to return' }],
  ['cursor', { type: 'string', description: 'Pagination cursor from a previous response' }],
  ['title', { type: 'string', description: 'Short title shown in lists' }],
  ['body', { type: 'string', description: 'Markdown body of the item' }],
  ['labels', { type: 'array', items: { type: 'string' }, description: 'Labels to apply' }],
  ['assignee', { type: 'string', description: 'Username of the person responsible' }],
  ['due', { type: 'string', format: 'date', description: 'Due date, YYYY-MM-DD' }],
  ['state', { type: 'string', enum: ['open', 'closed', 'all'], description: 'Filter by state' }],
  ['include_archived', { type: 'boolean', description: 'Also return archived items' }],
]

async function main() {
  ensurePeers((message) => process.stderr.write(`${message}\n`))
  const { countTokens } = await import(pathToFileURL(join(PEERS, 'node_modules/gpt-tokenizer/esm/encoding/o200k_base.js')).href) as { countTokens(text: string): number }
  const tools = await hundredTools()
  const meta = [toolSearchSkill, toolEnableSkill].map(({ name, description, parameters }) => ({ name, description, parameters }))
  const promptTokens = (disclosure: ToolDisclosure) => countTokens(SYSTEM + disclosure.catalogue()) + countTokens(JSON.stringify(toolsParam(disclosure.specs()).tools ?? []))

  const all = promptTokens(new FullDisclosure(tools))
  const progressive = new ProgressiveDisclosure(tools, meta)
  const first = promptTokens(progressive)
  progressive.enable(tools.slice(0, 3).map((tool) => tool.name))
  const afterThree = promptTokens(progressive)
  const saving = (tokens: number) => `${(((all - tokens) / all) * 100).toFixed(1)}%`

  console.log(`| ${TOOLS} tools, first request | prompt tokens (system + tools) | saving vs all |`)
  console.log('| --- | ---: | ---: |')
  console.log(`| disclosure: all | ${all} | — |`)
  console.log(`| disclosure: progressive (catalogue + 2 meta-tools) | ${first} | ${saving(first)} |`)
  console.log(`| progressive, after enabling 3 tools | ${afterThree} | ${saving(afterThree)} |`)
  console.log(`\n- Tokenizer: gpt-tokenizer ${installedVersion(PEERS, 'gpt-tokenizer')} (o200k_base). Tools: the ${Object.keys(BUILTIN_SKILL_LOADERS).length} builtin skills plus ${TOOLS - Object.keys(BUILTIN_SKILL_LOADERS).length} generated MCP-style tools with 2–6 typed parameters each.`)
  console.log(JSON.stringify({ bench: 'disclosure', tools: TOOLS, allTokens: all, progressiveTokens: first, progressiveAfterThreeTokens: afterThree }))
}

async function hundredTools(): Promise<ToolSpec[]> {
  const builtins = await Promise.all(Object.values(BUILTIN_SKILL_LOADERS).map((load) => load({ manifest: resolvedManifest(), baseDir: process.cwd() })))
  const random = seededRandom(100)
  const generated: ToolSpec[] = []
  for (let index = 0; generated.length < TOOLS - builtins.length; index++) {
    const service = SERVICES[index % SERVICES.length]!
    const action = ACTIONS[Math.floor(index / SERVICES.length) % ACTIONS.length]!
    const fields = random.sample(FIELDS, random.int(2, 6))
    generated.push({
      name: `mcp_${service}_${action}`,
      description: `${action[0]!.toUpperCase()}${action.slice(1)} ${service} items. Returns JSON with the affected items and a cursor when more results exist.`,
      parameters: { type: 'object', properties: Object.fromEntries(fields), required: [fields[0]![0]], additionalProperties: false },
    })
  }
  return [...builtins.map(({ name, description, parameters }) => ({ name, description, parameters })), ...generated]
}

await main()
