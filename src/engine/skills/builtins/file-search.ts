import type { Dirent } from 'node:fs'
import { constants } from 'node:fs'
import { open, readdir, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { Skill } from '../contract.js'
import { SkillError } from '../contract.js'
import { displayPath, resolveInWorkspace, toSkillError } from '../guards/workspace-path.js'
import { BINARY_SNIFF_BYTES, looksBinary } from './file-read.js'
import { plural } from '../../plural.js'

export const DEFAULT_MAX_RESULTS = 100
export const MAX_RESULTS_LIMIT = 1000
/** Longest regular expression accepted, in characters. */
export const MAX_REGEX_LENGTH = 500
/** Longest literal pattern accepted, in characters. */
export const MAX_LITERAL_LENGTH = 2000
export const MAX_GLOB_LENGTH = 200
/** Each matching line is shown clipped to this many characters. */
export const MAX_LINE_CHARS = 200
/** A regular expression that runs longer than this on one file is stopped (its worker is terminated) and the file skipped. */
export const REGEX_FILE_BUDGET_MS = 1000
/** After this many files where the regex ran out of time, the search stops. */
export const MAX_SLOW_FILES = 3
/** Files looked at before the search stops. */
export const MAX_FILES_SCANNED = 50000
/** Directories never descended into while walking (they can still be searched by naming them in `path`). */
export const SKIPPED_DIRS: ReadonlySet<string> = new Set(['.git', 'node_modules', '.agentor'])

export interface SearchHit {
  /** 1-based line number, or 0 for a match on the file's path. */
  line: number
  /** The line, clipped to MAX_LINE_CHARS around the match. */
  text: string
}

/** `line` cut to `width` characters around `column`, with `…` where something was cut. */
export function clipLine(line: string, column: number, width = MAX_LINE_CHARS): string {
  if (line.length <= width) return line
  const start = Math.max(0, column - 40)
  if (start === 0) return line.slice(0, width - 1) + '…'
  if (start >= line.length - width) return '…' + line.slice(line.length - (width - 1))
  return '…' + line.slice(start, start + width - 2) + '…'
}

/** Lines of `text` that `regex` (no `g`/`y` flag) matches, at most `limit`. A final newline does not start another line. */
export function scanLines(text: string, regex: RegExp, limit: number, width = MAX_LINE_CHARS): SearchHit[] {
  const hits: SearchHit[] = []
  let start = 0
  let number = 0
  while (start < text.length && hits.length < limit) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    number++
    let line = text.slice(start, end)
    if (line.endsWith('\r')) line = line.slice(0, -1)
    const match = regex.exec(line)
    if (match) hits.push({ line: number, text: clipLine(line, match.index, width) })
    start = end + 1
  }
  return hits
}

/**
 * Runs in a worker thread so that a regular expression with catastrophic backtracking, which no
 * JavaScript code can interrupt, is stopped by terminating the thread. It is evaluated as is, so
 * it takes `clipLine` and `scanLines` by their source text (both use nothing outside themselves).
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const clipLine = ${clipLine.toString()}
const scanLines = ${scanLines.toString()}
const regex = new RegExp(workerData.source, workerData.flags)
parentPort.on('message', (job) => {
  try {
    parentPort.postMessage({ id: job.id, hits: scanLines(job.text, regex, job.limit, workerData.width) })
  } catch (error) {
    parentPort.postMessage({ id: job.id, error: String(error && error.message || error) })
  }
})
`

type Outcome = { hits: SearchHit[] } | { timeout: true } | { error: string }

interface Matcher {
  search(text: string, limit: number): Promise<Outcome>
  close(): Promise<void>
}

/** Matches in this thread: for literal patterns, whose escaped regex runs in linear time. */
class InlineMatcher implements Matcher {
  constructor(private readonly regex: RegExp) {}
  async search(text: string, limit: number): Promise<Outcome> {
    return { hits: scanLines(text, this.regex, limit) }
  }
  async close(): Promise<void> {}
}

interface WorkerReply {
  id: number
  hits?: SearchHit[]
  error?: string
}

/** Matches in a worker thread with a time budget per call; a call over budget terminates the worker (a new one starts for the next call). */
class WorkerMatcher implements Matcher {
  private worker: Worker | undefined
  private ready: Promise<Worker> | undefined
  private sequence = 0
  private readonly stopping: Promise<number>[] = []

  constructor(private readonly source: string, private readonly flags: string, private readonly budgetMs: number, private readonly signal: AbortSignal) {}

  private start(): Promise<Worker> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      // The worker needs no loaders or flags of the parent process.
      execArgv: [],
      workerData: { source: this.source, flags: this.flags, width: MAX_LINE_CHARS },
    })
    // Errors are handled per call; between calls one must not become an unhandled 'error' event.
    worker.on('error', () => undefined)
    this.worker = worker
    return new Promise<Worker>((resolve, reject) => {
      const onError = (error: Error): void => { worker.off('online', onOnline); reject(new SkillError(`cannot start the regex worker: ${error.message}`)) }
      const onOnline = (): void => { worker.off('error', onError); resolve(worker) }
      worker.once('online', onOnline)
      worker.once('error', onError)
    })
  }

  private stop(): void {
    const worker = this.worker
    this.worker = undefined
    this.ready = undefined
    if (worker) this.stopping.push(worker.terminate())
  }

  async search(text: string, limit: number): Promise<Outcome> {
    if (this.signal.aborted) throw new SkillError('search aborted')
    this.ready ??= this.start()
    let worker: Worker
    try {
      worker = await this.ready
    } catch (error) {
      this.stop()
      throw error
    }
    const id = ++this.sequence
    return new Promise<Outcome>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer)
        worker.off('message', onMessage)
        worker.off('error', onError)
        worker.off('exit', onExit)
        this.signal.removeEventListener('abort', onAbort)
      }
      const onMessage = (reply: WorkerReply): void => {
        if (reply.id !== id) return
        cleanup()
        resolve(reply.error !== undefined ? { error: reply.error } : { hits: reply.hits ?? [] })
      }
      const onError = (error: Error): void => { cleanup(); this.stop(); resolve({ error: error.message }) }
      const onExit = (): void => { cleanup(); this.stop(); resolve({ error: 'the regex worker stopped' }) }
      const onAbort = (): void => { cleanup(); this.stop(); reject(new SkillError('search aborted')) }
      const timer = setTimeout(() => { cleanup(); this.stop(); resolve({ timeout: true }) }, this.budgetMs)
      worker.on('message', onMessage)
      worker.once('error', onError)
      worker.once('exit', onExit)
      this.signal.addEventListener('abort', onAbort, { once: true })
      worker.postMessage({ id, text, limit })
    })
  }

  async close(): Promise<void> {
    this.stop()
    await Promise.allSettled(this.stopping)
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * A filename glob as an anchored RegExp: `*` and `?` stay within one path segment, `**` crosses
 * segments, `[abc]`/`[!abc]` are classes, `{a,b}` alternatives, `\` escapes.
 */
export function globToRegExp(glob: string): RegExp {
  let out = ''
  let depth = 0
  for (let index = 0; index < glob.length; index++) {
    const char = glob[index]!
    if (char === '*') {
      if (glob[index + 1] === '*') {
        index++
        if (glob[index + 1] === '/') { index++; out += '(?:.*/)?' } else out += '.*'
      } else {
        out += '[^/]*'
      }
    } else if (char === '?') {
      out += '[^/]'
    } else if (char === '[') {
      const close = glob.indexOf(']', index + 2)
      if (close === -1) {
        out += '\\['
      } else {
        let body = glob.slice(index + 1, close)
        if (body.startsWith('!')) body = '^' + body.slice(1)
        out += `[${body.replace(/\\/g, '\\\\')}]`
        index = close
      }
    } else if (char === '{') {
      depth++
      out += '(?:'
    } else if (char === '}' && depth > 0) {
      depth--
      out += ')'
    } else if (char === ',' && depth > 0) {
      out += '|'
    } else if (char === '\\' && index + 1 < glob.length) {
      index++
      out += escapeRegExp(glob[index]!)
    } else {
      out += escapeRegExp(char)
    }
  }
  if (depth > 0) throw new SkillError(`invalid glob '${glob}': unclosed '{'`)
  try {
    return new RegExp(`^${out}$`)
  } catch {
    throw new SkillError(`invalid glob '${glob}'`)
  }
}

interface Skipped {
  binary: number
  large: number
  symlinks: number
  unreadable: number
  failed: number
  slow: string[]
}

export const fileSearchSkill: Skill = {
  name: 'file_search',
  description: 'Search the contents of text files inside the workspace (like grep -rn) and print `path:line: text` for each matching line. The pattern is a literal string unless `regex` is true. Symbolic links are not followed; `.git`, `node_modules`, binary and oversized files are skipped.',
  risk: 'low',
  parameters: {
    type: 'object',
    additionalProperties: false,
    required: ['pattern'],
    properties: {
      pattern: { type: 'string', minLength: 1, maxLength: MAX_LITERAL_LENGTH, description: `Text to look for; a JavaScript regular expression (at most ${MAX_REGEX_LENGTH} characters) when \`regex\` is true. Matched line by line.` },
      regex: { type: 'boolean', description: 'Treat `pattern` as a regular expression (default false: a literal string).' },
      path: { type: 'string', description: 'File or directory to search, relative to the workspace (default: the whole workspace).' },
      glob: { type: 'string', minLength: 1, maxLength: MAX_GLOB_LENGTH, description: 'Only search files whose name matches, e.g. `*.ts` or `*.{ts,tsx}`; with a `/` it matches the workspace-relative path, e.g. `src/**/*.ts`.' },
      caseSensitive: { type: 'boolean', description: 'Match case exactly (default true).' },
      names: { type: 'boolean', description: 'Also report files whose workspace-relative path matches the pattern (default false).' },
      maxResults: { type: 'integer', minimum: 1, maximum: MAX_RESULTS_LIMIT, description: `Most matches to return (default ${DEFAULT_MAX_RESULTS}).` },
    },
  },
  async invoke(args, context) {
    const pattern = args.pattern as string
    const isRegex = (args.regex as boolean | undefined) ?? false
    const requested = (args.path as string | undefined) ?? '.'
    const glob = args.glob as string | undefined
    const caseSensitive = (args.caseSensitive as boolean | undefined) ?? true
    const names = (args.names as boolean | undefined) ?? false
    const maxResults = Math.min((args.maxResults as number | undefined) ?? DEFAULT_MAX_RESULTS, MAX_RESULTS_LIMIT)
    const maxBytes = context.settings.files.maxReadBytes

    if (typeof pattern !== 'string' || pattern === '') throw new SkillError('pattern must not be empty')
    if (isRegex && pattern.length > MAX_REGEX_LENGTH) throw new SkillError(`regex is ${pattern.length} characters; the limit is ${MAX_REGEX_LENGTH}`)
    if (!isRegex && pattern.length > MAX_LITERAL_LENGTH) throw new SkillError(`pattern is ${pattern.length} characters; the limit is ${MAX_LITERAL_LENGTH}`)
    const flags = caseSensitive ? '' : 'i'
    const source = isRegex ? pattern : escapeRegExp(pattern)
    let regex: RegExp
    try {
      regex = new RegExp(source, flags)
    } catch (error) {
      throw new SkillError(`invalid regex: ${error instanceof Error ? error.message : String(error)}`)
    }
    const globRegex = glob === undefined ? undefined : globToRegExp(glob)
    const globOnPath = glob?.includes('/') ?? false

    const root = await resolveInWorkspace(context.workspace, requested, { mustExist: true })
    const shownRoot = displayPath(context.workspace, root)
    const rootInfo = await stat(root).catch((error: unknown) => { throw toSkillError(error, 'search', shownRoot) })
    if (!rootInfo.isDirectory() && !rootInfo.isFile()) throw new SkillError(`'${shownRoot}' is not a file or directory`)

    const matcher: Matcher = isRegex ? new WorkerMatcher(source, flags, REGEX_FILE_BUDGET_MS, context.signal) : new InlineMatcher(regex)
    const results: string[] = []
    const skipped: Skipped = { binary: 0, large: 0, symlinks: 0, unreadable: 0, failed: 0, slow: [] }
    let scanned = 0
    let capped = false
    let stoppedBy: 'slow' | 'files' | undefined

    /** Adds hits for one file; false once the search should stop. */
    const record = (shown: string, hits: SearchHit[]): boolean => {
      for (const hit of hits) {
        if (results.length >= maxResults) { capped = true; return false }
        results.push(hit.line === 0 ? `${shown}: [path matches]` : `${shown}:${hit.line}: ${hit.text}`)
      }
      return true
    }

    /** Runs the matcher on `text`: its hits, or `undefined` when it failed or ran out of time (noted in `skipped`). */
    const run = async (shown: string, text: string, limit: number): Promise<SearchHit[] | undefined> => {
      const outcome = await matcher.search(text, limit)
      if ('hits' in outcome) return outcome.hits
      if ('timeout' in outcome) {
        if (!skipped.slow.includes(shown)) skipped.slow.push(shown)
        if (skipped.slow.length >= MAX_SLOW_FILES) stoppedBy = 'slow'
      } else {
        skipped.failed++
      }
      return undefined
    }

    const searchFile = async (file: string, explicit: boolean): Promise<boolean> => {
      if (context.signal.aborted) throw new SkillError('search aborted')
      const shown = displayPath(context.workspace, file)
      if (!explicit && globRegex && !globRegex.test(globOnPath ? shown : basename(file))) return true
      if (scanned >= MAX_FILES_SCANNED) { stoppedBy = 'files'; return false }
      scanned++

      if (names) {
        const hits = await run(shown, shown, 1)
        if (stoppedBy) return false
        if (hits && hits.length > 0 && !record(shown, [{ line: 0, text: '' }])) return false
      }

      let text: string
      try {
        const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
        try {
          const info = await handle.stat()
          if (!info.isFile()) return true
          if (info.size > maxBytes) { skipped.large++; return true }
          if (info.size === 0) return true
          const bytes = await handle.readFile()
          if (looksBinary(bytes.subarray(0, BINARY_SNIFF_BYTES))) { skipped.binary++; return true }
          text = bytes.toString('utf8')
        } finally {
          await handle.close()
        }
      } catch (error) {
        if (error instanceof SkillError) throw error
        skipped.unreadable++
        return true
      }

      const hits = await run(shown, text, maxResults - results.length + 1)
      if (stoppedBy) return false
      return hits ? record(shown, hits) : true
    }

    const visit = async (dir: string, top: boolean): Promise<boolean> => {
      let entries: Dirent[]
      try {
        entries = await readdir(dir, { withFileTypes: true })
      } catch (error) {
        if (top) throw toSkillError(error, 'search', shownRoot)
        skipped.unreadable++
        return true
      }
      entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      for (const entry of entries) {
        if (context.signal.aborted) throw new SkillError('search aborted')
        const full = join(dir, entry.name)
        if (entry.isSymbolicLink()) {
          skipped.symlinks++
        } else if (entry.isDirectory()) {
          if (SKIPPED_DIRS.has(entry.name)) continue
          if (!(await visit(full, false))) return false
        } else if (entry.isFile()) {
          if (!(await searchFile(full, false))) return false
        }
      }
      return true
    }

    try {
      if (rootInfo.isFile()) await searchFile(root, true)
      else await visit(root, true)
    } finally {
      await matcher.close()
    }

    const notes: string[] = []
    if (capped) notes.push(`[results capped at ${maxResults}; more matches exist — narrow \`path\` or \`glob\`, or raise maxResults]`)
    if (stoppedBy === 'files') notes.push(`[search stopped after ${MAX_FILES_SCANNED} files; narrow \`path\` or \`glob\`]`)
    if (skipped.slow.length > 0) {
      const list = skipped.slow.map((file) => `'${file}'`).join(', ')
      notes.push(`[regex ran longer than ${REGEX_FILE_BUDGET_MS} ms and was stopped on ${list}${stoppedBy === 'slow' ? '; search abandoned' : ''} — simplify the pattern (avoid nested quantifiers such as (a+)+)]`)
    }
    const parts: string[] = []
    if (skipped.binary > 0) parts.push(plural(skipped.binary, 'binary file'))
    if (skipped.large > 0) parts.push(`${plural(skipped.large, 'file')} over ${maxBytes} bytes`)
    if (skipped.symlinks > 0) parts.push(`${plural(skipped.symlinks, 'symbolic link')} (not followed)`)
    if (skipped.unreadable > 0) parts.push(`${skipped.unreadable} unreadable`)
    if (skipped.failed > 0) parts.push(`${plural(skipped.failed, 'file')} where the regex failed`)
    if (parts.length > 0) notes.push(`[skipped: ${parts.join(', ')}]`)

    const head = results.length > 0
      ? results.join('\n')
      : `no matches for ${JSON.stringify(pattern)}${isRegex ? ' (regex)' : ''} in '${shownRoot}' (${plural(scanned, 'file')} searched)`
    return notes.length > 0 ? `${head}\n${notes.join('\n')}` : head
  },
}
