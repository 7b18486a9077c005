import { createServer, request, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http'
import { connect, type AddressInfo, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { checkUrl, pinnedLookup, type CheckedUrl, type HostLookup } from '../skills/guards/ssrf.js'

/** A request the proxy refused: `url` is the full URL for plain HTTP, `https://host:port/` for a CONNECT tunnel. */
export interface Refusal {
  url: string
  reason: string
}

export interface FilteringProxyOptions {
  /** `browser.allowedDomains` as `checkUrl` entries; undefined when any public host may be reached. */
  allowHosts?: readonly string[]
  lookup?: HostLookup
  /** Connecting to an upstream host and waiting for its response headers give up after this long. */
  timeoutMs: number
}

export interface FilteringProxy {
  /** 127.0.0.1 port the browser's HTTP and HTTPS traffic goes to. */
  port: number
  /** The refusals since the last call, oldest first. */
  takeRefusals(): Refusal[]
  /**
   * Refuses `port` on this machine whatever the allowlist says: admitting 127.0.0.1 must not let a page reach
   * the WebDriver server driving its own browser (which can start programs) or the proxy itself.
   */
  protectLocalPort(port: number): void
  close(): Promise<void>
}

/** Sent by the browser to the proxy, or about the hop to the proxy: never passed on. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']
/** Refusals kept between two `takeRefusals` calls; the browser's background traffic must not grow it without bound. */
const MAX_REFUSALS = 100

/**
 * An HTTP proxy on 127.0.0.1 that every request of one browser session goes through (plain requests and
 * CONNECT tunnels). Each request's host passes the SSRF guard (`checkUrl` with the session's allowlist), and the
 * upstream connection goes only to the addresses the guard checked, so a redirect, a subresource or a DNS answer
 * that changes between check and connect cannot reach a private address. Refused requests get a 403 and are recorded.
 */
export async function startFilteringProxy(options: FilteringProxyOptions): Promise<FilteringProxy> {
  const refusals: Refusal[] = []
  const sockets = new Set<Duplex>()
  const refuse = (url: string, reason: string): void => {
    if (refusals.length < MAX_REFUSALS) refusals.push({ url, reason })
  }
  const protectedPorts = new Set<number>()
  const check = async (url: string): Promise<CheckedUrl> => {
    const checked = await checkUrl(url, { allowHosts: options.allowHosts, allowHostsKey: 'browser.allowedDomains', lookup: options.lookup })
    const port = Number(checked.url.port || (checked.url.protocol === 'https:' ? 443 : 80))
    if (protectedPorts.has(port) && checked.addresses.some((entry) => isThisMachine(entry.address))) {
      throw new Error(`port ${port} on this machine is agentor's own browser control endpoint`)
    }
    return checked
  }

  const server = createServer((incoming, outgoing) => {
    forward(incoming, outgoing, check, refuse, options.timeoutMs)
  })
  server.on('connect', (incoming: IncomingMessage, client: Duplex, head: Buffer) => {
    tunnel(incoming, client, head, check, refuse, options.timeoutMs)
  })
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  })
  server.on('clientError', (_error, socket) => socket.destroy())

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  protectedPorts.add(port)
  return {
    port,
    takeRefusals: () => refusals.splice(0),
    protectLocalPort: (localPort) => { protectedPorts.add(localPort) },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

type Check = (url: string) => Promise<CheckedUrl>
type Refuse = (url: string, reason: string) => void

/** Loopback and unspecified addresses, which reach the servers listening on this machine. */
function isThisMachine(address: string): boolean {
  const plain = address.toLowerCase().replace(/^::ffff:/, '')
  return plain.startsWith('127.') || plain === '::1' || plain === '0.0.0.0' || plain === '::'
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function refusalPage(url: string, reason: string): string {
  const escape = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)
  return `<!doctype html><title>Blocked by agentor</title><h1>Blocked by agentor's SSRF guard</h1><p>${escape(url)}</p><p>${escape(reason)}</p>\n`
}

function forward(incoming: IncomingMessage, outgoing: ServerResponse, check: Check, refuse: Refuse, timeoutMs: number): void {
  const target = incoming.url ?? ''
  const fail = (status: number, reason: string): void => {
    if (outgoing.headersSent) {
      outgoing.destroy()
      return
    }
    outgoing.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' })
    outgoing.end(refusalPage(target, reason))
  }
  if (!/^https?:\/\//i.test(target)) {
    incoming.resume()
    fail(400, 'not a proxy request (absolute http URL expected)')
    return
  }
  check(target).then(
    (checked) => {
      const headers: OutgoingHttpHeaders = { ...incoming.headers }
      for (const name of HOP_BY_HOP) delete headers[name]
      const upstream = request({
        protocol: 'http:',
        hostname: checked.host,
        port: checked.url.port || 80,
        path: `${checked.url.pathname}${checked.url.search}`,
        method: incoming.method,
        headers,
        lookup: pinnedLookup(checked),
        agent: false,
        timeout: timeoutMs,
      })
      upstream.on('response', (response) => {
        const responseHeaders: OutgoingHttpHeaders = { ...response.headers }
        for (const name of HOP_BY_HOP) delete responseHeaders[name]
        outgoing.writeHead(response.statusCode ?? 502, response.statusMessage, responseHeaders)
        response.pipe(outgoing)
        response.on('error', () => outgoing.destroy())
      })
      upstream.on('timeout', () => upstream.destroy(new Error(`no response within ${timeoutMs} ms`)))
      upstream.on('error', (error) => fail(502, `upstream request failed: ${reasonOf(error)}`))
      outgoing.on('close', () => upstream.destroy())
      incoming.pipe(upstream)
    },
    (error: unknown) => {
      incoming.resume()
      refuse(target, reasonOf(error))
      fail(403, reasonOf(error))
    },
  )
}

function tunnel(incoming: IncomingMessage, client: Duplex, head: Buffer, check: Check, refuse: Refuse, timeoutMs: number): void {
  client.on('error', () => client.destroy())
  const authority = incoming.url ?? ''
  // CONNECT names only host:port; the tunnel carries TLS end to end, so the host is all there is to check.
  const target = `https://${authority}/`
  const answer = (status: string): void => {
    client.end(`HTTP/1.1 ${status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`)
  }
  let parsed: URL
  try {
    parsed = new URL(target)
    if (parsed.pathname !== '/' || parsed.search !== '' || parsed.username !== '') throw new Error('not host:port')
  } catch {
    answer('400 Bad Request')
    return
  }
  check(parsed.href).then(
    (checked) => {
      const upstream = connect({ host: checked.host, port: Number(checked.url.port || 443), lookup: pinnedLookup(checked), timeout: timeoutMs })
      let established = false
      upstream.once('connect', () => {
        established = true
        upstream.setTimeout(0)
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
        if (head.length > 0) upstream.write(head)
        upstream.pipe(client)
        client.pipe(upstream)
      })
      upstream.once('timeout', () => upstream.destroy())
      upstream.on('error', () => (established ? client.destroy() : answer('502 Bad Gateway')))
      upstream.on('close', () => client.destroy())
      client.on('close', () => upstream.destroy())
    },
    (error: unknown) => {
      refuse(parsed.href, reasonOf(error))
      answer('403 Forbidden')
    },
  )
}
