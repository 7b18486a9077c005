import type { MemoryStore } from '../../memory/store.js'
import type { Skill } from '../contract.js'
import { SkillError } from '../contract.js'
import { createMemorySearchSkill } from './memory-search.js'

/** Longest note, in characters. */
export const MAX_NOTE_CHARS = 32_768

const ACTIONS = ['save', 'delete'] as const
type Action = (typeof ACTIONS)[number]

/**
 * `memory_store` over `store`. A note is shared with every session unless saved with scope
 * `session`; a session may replace or delete shared notes and its own, never another session's.
 */
export function createMemoryStoreSkill(store: MemoryStore): Skill {
  return {
    name: 'memory_store',
    description: 'Save a note to long-term memory, to be found later with memory_search (also in later sessions), or delete one. Saving with the id of an existing note replaces it. Notes are shared with every session unless scope is "session".',
    risk: 'low',
    parameters: {
      type: 'object',
      additionalProperties: false,
      properties: {
        action: { type: 'string', enum: [...ACTIONS], default: 'save', description: 'save (default) or delete.' },
        text: { type: 'string', minLength: 1, maxLength: MAX_NOTE_CHARS, description: 'The note (save only).' },
        id: { type: 'string', minLength: 1, maxLength: 128, description: 'Note id: optional for save (given: replaces that note; omitted: a new id is chosen), required for delete.' },
        metadata: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] }, description: 'Short labels kept with the note, e.g. {"topic": "deploy"} (save only).' },
        scope: { type: 'string', enum: ['shared', 'session'], default: 'shared', description: 'shared (default): every session sees the note; session: only this session does.' },
      },
    },
    async invoke(args, context) {
      const id = args.id as string | undefined
      const existing = id === undefined ? undefined : store.get(id)
      // Another session's note is treated as absent, except that its id cannot be reused.
      const mine = existing !== undefined && (existing.session === undefined || existing.session === context.sessionId)
      switch ((args.action as Action | undefined) ?? 'save') {
        case 'save': {
          if (typeof args.text !== 'string' || args.text.trim() === '') throw new SkillError('save needs a non-empty text')
          if (existing && !mine) throw new SkillError(`the id '${id}' is taken; choose another id or omit it`)
          const session = args.scope === 'session' ? context.sessionId : undefined
          const note = { text: args.text, metadata: (args.metadata as Record<string, unknown> | undefined) ?? {}, ...(session === undefined ? {} : { session }) }
          const [saved] = id === undefined ? await store.add(note, { signal: context.signal }) : await store.upsert({ ...note, id }, { signal: context.signal })
          return `${existing ? 'replaced' : 'saved'} note '${saved}' (${session === undefined ? 'shared with every session' : 'this session only'})`
        }
        case 'delete': {
          if (id === undefined) throw new SkillError('delete needs the id of the note')
          if (!mine) throw new SkillError(`no note with id '${id}'`)
          await store.delete(id)
          return `deleted note '${id}'`
        }
      }
    },
  }
}

/** Both memory skills over one store, by name; the engine registers those a manifest declares. */
export function createMemorySkills(store: MemoryStore): { memory_store: Skill; memory_search: Skill } {
  return { memory_store: createMemoryStoreSkill(store), memory_search: createMemorySearchSkill(store) }
}
