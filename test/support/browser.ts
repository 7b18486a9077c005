import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export const CHROMIUM = '/usr/lib/chromium/chromium'
export const CHROMEDRIVER = '/usr/bin/chromedriver'

/** Why the real-browser tests cannot run here (false when they can). Under CI they must: see the first test of each file. */
export function browserUnavailable(): string | false {
  const missing = [CHROMIUM, CHROMEDRIVER].filter((path) => !existsSync(path))
  return missing.length === 0 ? false : `Chromium/chromedriver not installed (${missing.join(', ')} missing; scripts/test-services.sh installs them)`
}

export interface TestSite {
  origin: string
  /** Every request path the site received, in order. */
  hits: string[]
  close(): Promise<void>
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void

/** An HTTP server on `host` (a 127.0.0.0/8 address) that answers with `routes[path]`, or 404; every request is recorded. */
export async function serve(host: string, routes: Record<string, Handler | string>): Promise<TestSite> {
  const hits: string[] = []
  const server: Server = createServer((request, response) => {
    hits.push(request.url ?? '')
    const route = routes[new URL(request.url ?? '/', 'http://x').pathname]
    if (typeof route === 'function') return route(request, response)
    if (route === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(route)
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  return {
    origin: `http://${host}:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

/** Live (not zombie) processes below `ancestorPid` (children, their children…) running `command`. */
export function liveDescendantsRunning(ancestorPid: number, command: string): number[] {
  const below = new Set(liveDescendants(ancestorPid))
  return liveProcesses().filter((entry) => below.has(entry.pid) && entry.command === command).map((entry) => entry.pid)
}

function liveProcesses(): { pid: number; ppid: number; command: string }[] {
  const found = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      const [state, ppid] = stat.slice(close + 2).split(' ')
      if (state === 'Z') continue
      found.push({ pid: Number(name), ppid: Number(ppid), command: stat.slice(stat.indexOf('(') + 1, close) })
    } catch {
      // The process ended while we looked.
    }
  }
  return found
}

/** The descendants of `pid` (children, their children…), alive now. */
export function liveDescendants(pid: number): number[] {
  const all = liveProcesses()
  const found: number[] = []
  let frontier = [pid]
  while (frontier.length > 0) {
    const next = all.filter((entry) => frontier.includes(entry.ppid)).map((entry) => entry.pid)
    found.push(...next)
    frontier = next
  }
  return found
}

/** True while process `pid` exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] !== 'Z'
  } catch {
    return false
  }
}

/** The processes of `pids` still alive after waiting up to `ms` for them to exit. */
export async function aliveAfter(pids: readonly number[], ms: number): Promise<number[]> {
  const deadline = Date.now() + ms
  while (pids.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
  return pids.filter(isAlive)
}
