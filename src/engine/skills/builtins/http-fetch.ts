import { STATUS_CODES, type IncomingHttpHeaders } from 'node:http'
import { Agent, request } from 'undici'
import type { Skill, SkillContext, SkillResult } from '../contract.js'
import { SkillError } from '../contract.js'
import { checkUrl, pinnedLookup, systemLookup, type CheckedUrl, type HostLookup } from '../guards/ssrf.js'
import { looksBinary } from './file-read.js'
import { MAX_TIMER_MS } from '../../timers.js'

/** The body of an error response (status >= 400) is cut at this many characters. */
export const ERROR_BODY_CHARS = 2000
const USER_AGENT = 'agentor-http_fetch'

const METHODS = ['GET', 'POST', 'HEAD'] as const
type Method = (typeof METHODS)[number]

/** Request headers the caller may not set: they are the connection's business, or could smuggle or reroute a request. */
const FORBIDDEN_HEADERS = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'content-length', 'expect', 'http2-settings'])
/** Dropped when a redirect leaves the origin, as browsers do. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie']
/** Dropped when a redirect turns the request into a GET. */
const BODY_HEADERS = ['content-type', 'content-encoding', 'content-language', 'content-location']
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

export interface HttpFetchOptions {
  /** Resolver used by the SSRF guard (default: the system's). The connection goes only to the addresses it returned. */
  lookup?: HostLookup
}

/** Builds the `http_fetch` skill; tests pass their own `lookup`. */
export function createHttpFetchSkill(options: HttpFetchOptions = {}): Skill {
  const lookup = options.lookup ?? systemLookup
  return {
    name: 'http_fetch',
    description:
      'Fetch an http(s) URL and return the status, main headers and body (text; binary bodies are only described). ' +
      'Redirects are followed, each hop checked by the SSRF guard; private, loopback and metadata addresses are refused. Large bodies are truncated.',
    risk: 'medium',
    parameters: {
      type: 'object',
      additionalProperties: false,
      required: ['url'],
      properties: {
        url: { type: 'string', minLength: 1, description: 'Absolute http:// or https:// URL.' },
        method: { type: 'string', enum: [...METHODS], description: 'HTTP method (default GET).' },
        headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Extra request headers, e.g. {"Accept": "application/json"}.' },
        body: { type: 'string', description: 'Request body (POST only).' },
      },
    },
    invoke: (args, context) => fetchWithGuard(args, context, lookup),
  }
}

export const httpFetchSkill: Skill = createHttpFetchSkill()

interface RequestPlan {
  method: Method
  headers: Record<string, string>
  body: string | undefined
}

function planRequest(args: Record<string, unknown>): RequestPlan {
  const method = ((args.method as string | undefined) ?? 'GET').toUpperCase() as Method
  if (!METHODS.includes(method)) throw new SkillError(`method '${String(args.method)}' is not supported; use GET, POST or HEAD`)
  const body = args.body as string | undefined
  if (body !== undefined && method !== 'POST') throw new SkillError(`a body can only be sent with POST, not ${method}`)

  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries((args.headers as Record<string, unknown> | undefined) ?? {})) {
    const lower = name.toLowerCase()
    if (!TOKEN.test(name)) throw new SkillError(`invalid header name ${JSON.stringify(name)}`)
    if (FORBIDDEN_HEADERS.has(lower) || lower.startsWith('proxy-')) throw new SkillError(`header '${name}' may not be set`)
    if (typeof value !== 'string') throw new SkillError(`header '${name}' must be a string`)
    if (/[\r\n\0]/.test(value)) throw new SkillError(`header '${name}' contains a line break or NUL`)
    headers[lower] = value
  }
  headers['user-agent'] ??= USER_AGENT
  // Bodies are not decompressed; ask for them plain unless the caller wants otherwise.
  headers['accept-encoding'] ??= 'identity'
  return { method, headers, body }
}

async function fetchWithGuard(args: Record<string, unknown>, context: SkillContext, lookup: HostLookup): Promise<SkillResult> {
  const settings = context.settings.http
  const plan = planRequest(args)
  if (context.signal.aborted) throw new SkillError('aborted before the request started')

  const timeoutMs = Math.min(Math.max(settings.timeoutSeconds * 1000, 1), MAX_TIMER_MS)
  const timeout = AbortSignal.timeout(timeoutMs)
  const signal = AbortSignal.any([context.signal, timeout])
  const failure = (error: unknown, url: URL | string, stage: string): SkillError => {
    if (error instanceof SkillError) return error
    if (timeout.aborted) return new SkillError(`timed out after ${settings.timeoutSeconds}s ${stage} ${String(url)}`)
    if (context.signal.aborted) return new SkillError(`aborted ${stage} ${String(url)}`)
    return new SkillError(`request to ${String(url)} failed: ${describeError(error)}`)
  }

  const hops: string[] = []
  let target = args.url as string
  for (;;) {
    let checked: CheckedUrl
    try {
      checked = await untilAborted(checkUrl(target, { allowHosts: settings.allowHosts, lookup }), signal)
    } catch (error) {
      const refused = failure(error, target, 'while resolving')
      throw hops.length === 0 ? refused : new SkillError(`redirect from ${hops.at(-1)} to ${target} refused: ${refused.message}`)
    }
    const url = checked.url

    // One agent per hop, whose connections can only reach the addresses just checked (no second DNS answer).
    const agent = new Agent({
      connect: { lookup: pinnedLookup(checked), timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    })
    try {
      let response: Awaited<ReturnType<typeof request>>
      try {
        response = await request(url, { method: plan.method, headers: plan.headers, body: plan.body, dispatcher: agent, signal })
      } catch (error) {
        throw failure(error, url, 'waiting for')
      }
      const { statusCode, headers } = response
      const location = single(headers.location)

      if (isRedirect(statusCode) && location !== undefined) {
        await response.body.dump().catch(() => undefined)
        let next: URL
        try {
          next = new URL(location, url)
        } catch {
          throw new SkillError(`redirect from ${url.href} has an invalid Location: ${JSON.stringify(location.slice(0, 200))}`)
        }
        if (hops.length >= settings.maxRedirects) {
          const head = statusBlock(statusCode, response.statusText, headers, url, hops, true)
          return { content: `${head}\n[too many redirects: the limit is ${settings.maxRedirects}; not followed: ${next.href}]`, isError: true }
        }
        hops.push(url.href)
        followRedirect(plan, statusCode, url, next)
        target = next.href
        continue
      }

      const head = statusBlock(statusCode, response.statusText, headers, url, hops, isRedirect(statusCode))
      if (plan.method === 'HEAD') {
        await response.body.dump().catch(() => undefined)
        return { content: `${head}\n[no body: HEAD request]`, isError: statusCode >= 400 }
      }
      let read: CappedBody
      try {
        read = await readCapped(response.body, settings.maxBytes)
      } catch (error) {
        throw failure(error, url, 'reading the body of')
      }
      const body = renderBody(read, headers, settings.maxBytes, statusCode >= 400)
      return { content: `${head}\n${body}`, isError: statusCode >= 400 }
    } finally {
      agent.destroy().catch(() => undefined)
    }
  }
}

/** Rejects with the abort as soon as `signal` fires (DNS lookups cannot be cancelled, only abandoned). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolvePromise, rejectPromise) => {
    const onAbort = (): void => rejectPromise(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolvePromise(value) },
      (error: unknown) => { signal.removeEventListener('abort', onAbort); rejectPromise(error) },
    )
  })
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308
}

/** Adjusts the request for the next hop as browsers do: 303 (and 301/302 after POST) become GET without a body; credentials stay on the origin. */
function followRedirect(plan: RequestPlan, status: number, from: URL, to: URL): void {
  if ((status === 303 && plan.method !== 'HEAD') || ((status === 301 || status === 302) && plan.method === 'POST')) {
    plan.method = 'GET'
    plan.body = undefined
    for (const name of BODY_HEADERS) delete plan.headers[name]
  }
  if (from.origin !== to.origin) for (const name of CREDENTIAL_HEADERS) delete plan.headers[name]
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

function statusBlock(status: number, statusText: string, headers: IncomingHttpHeaders, url: URL, hops: string[], showLocation: boolean): string {
  const lines = [`HTTP ${status} ${statusText || STATUS_CODES[status] || ''}`.trimEnd()]
  if (hops.length > 0) lines.push(`final URL: ${url.href} (after ${hops.length} redirect${hops.length === 1 ? '' : 's'})`)
  for (const name of ['content-type', 'content-length', 'content-encoding']) {
    const value = single(headers[name])
    if (value !== undefined) lines.push(`${name}: ${value}`)
  }
  const location = single(headers.location)
  if (showLocation && location !== undefined) lines.push(`location: ${location}`)
  return lines.join('\n') + '\n'
}

interface CappedBody {
  bytes: Buffer
  /** False when reading stopped at the cap with more to come. */
  complete: boolean
}

/** Reads at most `limit` bytes, then stops (which closes the connection) rather than draining the rest. */
async function readCapped(body: AsyncIterable<Buffer | Uint8Array>, limit: number): Promise<CappedBody> {
  const chunks: Buffer[] = []
  let kept = 0
  for await (const chunk of body) {
    const room = limit - kept
    if (chunk.length > room) {
      chunks.push(Buffer.from(chunk.subarray(0, room)))
      kept += room
      return { bytes: Buffer.concat(chunks, kept), complete: false }
    }
    chunks.push(Buffer.from(chunk))
    kept += chunk.length
  }
  return { bytes: Buffer.concat(chunks, kept), complete: true }
}

const TEXT_TYPES = new Set([
  'application/json', 'application/xml', 'application/javascript', 'application/ecmascript', 'application/x-www-form-urlencoded',
  'application/x-ndjson', 'application/yaml', 'application/x-yaml', 'application/toml', 'application/graphql', 'application/x-sh',
  'application/sql', 'application/csv', 'image/svg+xml',
])

/** 'text', 'binary', or 'unknown' (no usable content type: sniff the bytes). */
function kindOf(contentType: string | undefined): 'text' | 'binary' | 'unknown' {
  const mime = (contentType ?? '').split(';')[0]!.trim().toLowerCase()
  if (mime === '') return 'unknown'
  if (mime.startsWith('text/') || TEXT_TYPES.has(mime) || mime.endsWith('+json') || mime.endsWith('+xml')) return 'text'
  return 'binary'
}

function decoderFor(contentType: string | undefined): TextDecoder {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]
  try {
    return new TextDecoder(charset ?? 'utf-8')
  } catch {
    return new TextDecoder('utf-8')
  }
}

function renderBody(read: CappedBody, headers: IncomingHttpHeaders, maxBytes: number, isErrorStatus: boolean): string {
  const contentType = single(headers['content-type'])
  const encoding = single(headers['content-encoding'])
  const declared = single(headers['content-length'])
  const size = read.complete ? `${read.bytes.length} bytes` : `more than ${maxBytes} bytes${declared ? ` (content-length ${declared})` : ''}`
  if (read.complete && read.bytes.length === 0) return '[empty body]'

  let kind = kindOf(contentType)
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') kind = 'binary'
  else if (kind === 'unknown') kind = looksBinary(read.bytes.subarray(0, 8192)) ? 'binary' : 'text'
  if (kind === 'binary') {
    const described = [`content-type ${contentType ?? 'unknown'}`, ...(encoding ? [`content-encoding ${encoding}`] : [])].join(', ')
    return `[binary body, ${size}, ${described} (not shown)]`
  }

  // stream: true leaves out a character cut in half at the cap.
  let text = decoderFor(contentType).decode(read.bytes, { stream: !read.complete })
  const notes: string[] = []
  if (!read.complete) notes.push(`[truncated: showing the first ${read.bytes.length} bytes; the body is ${size} (skillSettings.http.maxBytes)]`)
  if (isErrorStatus && text.length > ERROR_BODY_CHARS) {
    notes.push(`[error body truncated: showing ${ERROR_BODY_CHARS} of ${text.length}${read.complete ? '' : '+'} characters]`)
    text = text.slice(0, ERROR_BODY_CHARS)
  }
  if (notes.length === 0) return text
  return `${text}${text.endsWith('\n') ? '' : '\n'}${notes.join('\n')}`
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as NodeJS.ErrnoException).code
    const text = code && !current.message.includes(code) ? `${current.message} (${code})` : current.message
    if (text && !parts.includes(text)) parts.push(text)
    current = current.cause
  }
  return parts.join(': ') || error.name
}
