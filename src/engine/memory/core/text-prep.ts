// Text preparation for the BM25 core, in JS: tokenise, lowercase, drop stop words, stem — built
// from wink-nlp-utils' own functions, so that with the defaults a document yields exactly the
// tokens wink-bm25-text-search sees with the prep tasks `winkPrepTasks()` returns.
//
// wink-nlp-utils' main entry loads wink-nlp and its English model (≈ 0.8 s); only the four small
// modules used here are required, lazily, which costs ≈ 40 ms.
import { Buffer } from 'node:buffer'
import { createRequire } from 'node:module'

export interface TextPrepOptions {
  /** Porter2 stemming (wink-porter2-stemmer, via wink-nlp-utils); default true. */
  stem?: boolean
  /** Remove wink-nlp-utils' English stop words (before stemming); default true. */
  stopWords?: boolean
  /**
   * 'wink' (default): wink-nlp-utils' string.tokenize0 — splits on non-word characters (ASCII
   * \W, so accented letters split words), removes elisions, turns n't into "not".
   * 'unicode': SPEC §12's Bm25Index tokens — split on anything not a Unicode letter or digit,
   * keep tokens longer than 1 UTF-8 byte.
   */
  tokenizer?: 'wink' | 'unicode'
}

export type TextPrep = (text: string) => string[]

interface WinkUtils {
  lowerCase: (text: string) => string
  tokenize0: (text: string) => string[]
  removeWords: (tokens: string[]) => string[]
  stem: (tokens: string[]) => string[]
}

let winkUtils: WinkUtils | undefined

function wink(): WinkUtils {
  if (!winkUtils) {
    const require = createRequire(import.meta.url)
    winkUtils = {
      lowerCase: require('wink-nlp-utils/src/string-lower-case.js') as WinkUtils['lowerCase'],
      tokenize0: require('wink-nlp-utils/src/string-tokenize0.js') as WinkUtils['tokenize0'],
      removeWords: require('wink-nlp-utils/src/tokens-remove-words.js') as WinkUtils['removeWords'],
      stem: require('wink-nlp-utils/src/tokens-stem.js') as WinkUtils['stem'],
    }
  }
  return winkUtils
}

const NOT_ALNUM = /[^\p{L}\p{N}]+/u

/** SPEC §12's tokens: lowercase, split on anything not a Unicode letter or digit, longer than one UTF-8 byte. */
export function unicodeTokens(text: string): string[] {
  return text.toLowerCase().split(NOT_ALNUM).filter((t) => t.length > 1 || (t.length === 1 && Buffer.byteLength(t) > 1))
}

/**
 * The prep pipeline as wink-bm25-text-search prep tasks (give them to `definePrepTasks` after
 * `defineConfig`): [lowerCase, tokenize0, removeWords?, stem?].
 */
export function winkPrepTasks(options: Omit<TextPrepOptions, 'tokenizer'> = {}): Array<(input: never) => unknown> {
  const w = wink()
  const tasks: Array<(input: never) => unknown> = [w.lowerCase, w.tokenize0]
  if (options.stopWords ?? true) tasks.push((tokens: string[]) => w.removeWords(tokens))
  if (options.stem ?? true) tasks.push(w.stem)
  return tasks
}

/** Returns text → tokens. */
export function createTextPrep(options: TextPrepOptions = {}): TextPrep {
  const w = wink()
  const stem = options.stem ?? true
  const stopWords = options.stopWords ?? true
  const tokenize: TextPrep = options.tokenizer === 'unicode' ? unicodeTokens : (text) => w.tokenize0(w.lowerCase(text))
  return (text: string) => {
    let tokens = tokenize(text)
    if (stopWords) tokens = w.removeWords(tokens)
    if (stem) tokens = w.stem(tokens)
    return tokens
  }
}

/**
 * A lowercase token's index term: undefined for a stop word, else its stem (or the token itself);
 * the per-word step of `createTextPrep`, for callers that tokenise and memoise themselves.
 */
export function createTermOf(options: Omit<TextPrepOptions, 'tokenizer'> = {}): (word: string) => string | undefined {
  const w = wink()
  const stopWords = options.stopWords ?? true
  const stem = options.stem ?? true
  return (word) => {
    if (stopWords && w.removeWords([word]).length === 0) return undefined
    return stem ? w.stem([word])[0] : word
  }
}

/** Term → dense integer id, in first-seen order (the BM25 core's term ids). */
export class Vocabulary {
  private readonly ids = new Map<string, number>()

  get size(): number {
    return this.ids.size
  }

  /** The term's id, assigning the next one when new. */
  id(term: string): number {
    let id = this.ids.get(term)
    if (id === undefined) {
      id = this.ids.size
      this.ids.set(term, id)
    }
    return id
  }

  /** The term's id, or undefined when never seen. */
  get(term: string): number | undefined {
    return this.ids.get(term)
  }

  /** Ids of a document's tokens, assigning new ones. */
  assign(tokens: readonly string[]): number[] {
    return tokens.map((t) => this.id(t))
  }

  /** Ids of a query's tokens, skipping unknown terms (they match nothing). */
  lookup(tokens: readonly string[]): number[] {
    const out: number[] = []
    for (const t of tokens) {
      const id = this.ids.get(t)
      if (id !== undefined) out.push(id)
    }
    return out
  }
}
