import type { MemoryHit } from '../../memory/contract.js'
import type { MemoryStore } from '../../memory/store.js'
import type { Skill } from '../contract.js'

/** Most characters of a note shown in a result; the rest is cut with a marker. */
export const MAX_HIT_CHARS = 2000

/** `memory_search` over `store`: the calling session sees shared notes and its own. */
export function createMemorySearchSkill(store: MemoryStore): Skill {
  return {
    name: 'memory_search',
    description: 'Search long-term memory (notes saved with memory_store, in this session or earlier ones) by meaning and keywords. Returns the best notes with their ids, best first.',
    risk: 'low',
    parameters: {
      type: 'object',
      additionalProperties: false,
      required: ['query'],
      properties: {
        query: { type: 'string', minLength: 1, maxLength: 2000, description: 'What to look for, in words.' },
        topK: { type: 'integer', minimum: 1, maximum: 20, default: 5, description: 'How many notes to return (default 5).' },
      },
    },
    async invoke(args, context) {
      const query = args.query as string
      const hits = await store.search(query, { topK: (args.topK as number | undefined) ?? 5, session: context.sessionId, signal: context.signal })
      if (hits.length === 0) return `no notes in memory match ${JSON.stringify(query)}`
      return [`${hits.length} note${hits.length === 1 ? '' : 's'} for ${JSON.stringify(query)}, best first:`, ...hits.map(formatHit)].join('\n\n')
    },
  }
}

function formatHit(hit: MemoryHit, i: number): string {
  const { bm25Rank, vectorRank } = hit.explain
  const why = [bm25Rank === null ? 'no keyword match' : `keyword rank ${bm25Rank}`, vectorRank === null ? undefined : `meaning rank ${vectorRank}`].filter(Boolean).join(', ')
  const scope = hit.session === undefined ? '' : ', this session only'
  const metadata = Object.keys(hit.metadata).length > 0 ? `\nmetadata: ${JSON.stringify(hit.metadata)}` : ''
  const text = hit.text.length > MAX_HIT_CHARS ? `${hit.text.slice(0, MAX_HIT_CHARS)} […${hit.text.length - MAX_HIT_CHARS} more characters]` : hit.text
  return `[${i + 1}] id ${hit.id} (score ${hit.score.toFixed(4)}: ${why}${scope})${metadata}\n${text}`
}
