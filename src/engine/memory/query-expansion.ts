// Query expansion with SPEC §19's ten synonym groups, used in both directions: every word of a
// group expands to the others ("bug" → error, issue, …; "error" → bug, issue, …), where SPEC's
// expander only went from the first word to the rest. As in SPEC: the query is split on
// whitespace, each token in order has each synonym swapped in (tokens re-joined by single
// spaces), the original comes first, and expansion stops at 5 queries in all. Unlike SPEC,
// punctuation around a token is kept aside, so "error," matches too.

/** Each group: SPEC §19's key, then its replacements in order. */
export const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['error', 'bug', 'issue', 'problem', 'exception'],
  ['function', 'method', 'fn', 'procedure', 'routine'],
  ['create', 'make', 'build', 'generate', 'new'],
  ['delete', 'remove', 'drop', 'destroy', 'erase'],
  ['update', 'modify', 'change', 'edit', 'patch'],
  ['list', 'array', 'vector', 'collection', 'slice'],
  ['config', 'configuration', 'settings', 'options'],
  ['auth', 'authentication', 'authorization', 'login'],
  ['db', 'database', 'storage', 'datastore'],
  ['api', 'endpoint', 'interface', 'service'],
]

const WORD = /^([^\p{L}\p{N}]*)(.*?)([^\p{L}\p{N}]*)$/su

export class QueryExpander {
  private readonly synonyms = new Map<string, string[]>()

  constructor(groups: readonly (readonly string[])[] = SYNONYM_GROUPS, private readonly maxQueries = 5) {
    for (const group of groups) {
      const words = group.map((word) => word.toLowerCase())
      for (const word of words) this.synonyms.set(word, words.filter((other) => other !== word))
    }
  }

  /** The query first, then variants with one token replaced by a synonym; at most `maxQueries`. */
  expand(query: string): string[] {
    const queries = [query]
    const tokens = query.split(/\s+/).filter((token) => token !== '')
    for (const [i, token] of tokens.entries()) {
      const [, before, word, after] = WORD.exec(token)!
      for (const synonym of this.synonyms.get(word!.toLowerCase()) ?? []) {
        if (queries.length >= this.maxQueries) return queries
        const variant = tokens.map((t, j) => (j === i ? `${before}${synonym}${after}` : t)).join(' ')
        if (!queries.includes(variant)) queries.push(variant)
      }
    }
    return queries
  }
}
