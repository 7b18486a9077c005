import assert from 'node:assert/strict'
import type { LookupAddress } from 'node:dns'
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { skillContext } from './support/skill-context.js'
import { after, describe, test } from 'node:test'
import { SkillError, type Skill, type SkillContext, type SkillResult } from '../src/engine/skills/contract.js'
import { createHttpFetchSkill, ERROR_BODY_CHARS, httpFetchSkill } from '../src/engine/skills/builtins/http-fetch.js'
import type { ResolvedSkillSettings } from '../src/engine/manifest/generated/manifest-types.js'

type Http = ResolvedSkillSettings['http']

interface Hit {
  method: string
  url: string
  headers: IncomingHttpHeaders
  body: string
}

interface TestServer {
  port: number
  /** `http://127.0.0.1:<port>` */
  origin: string
  hits: Hit[]
}

const servers: ReturnType<typeof createServer>[] = []
after(async () => {
  for (const server of servers) {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
})

/** A real HTTP server on 127.0.0.1 that records every request it receives. */
async function serve(handler: (req: IncomingMessage, res: ServerResponse, self: TestServer) => void): Promise<TestServer> {
  const self: TestServer = { port: 0, origin: '', hits: [] }
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      self.hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') })
      handler(req, res, self)
    })
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  self.port = (server.address() as AddressInfo).port
  self.origin = `http://127.0.0.1:${self.port}`
  return self
}

function reply(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' }): void {
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers })
  res.end(body)
}

function redirect(res: ServerResponse, location: string, status = 302): void {
  res.writeHead(status, { location })
  res.end('moved')
}

function context(http: Partial<Http> = {}, signal = new AbortController().signal): SkillContext {
  const settings: ResolvedSkillSettings = {
    files: { maxReadBytes: 1024 * 1024, maxWriteBytes: 10 * 1024 * 1024 },
    shell: { timeoutSeconds: 30, maxOutputBytes: 50000, deny: [] },
    http: { timeoutSeconds: 30, maxBytes: 5 * 1024 * 1024, maxRedirects: 5, ...http },
  }
  return skillContext('/nonexistent', { settings, signal, artifactDir: '/nonexistent/artifacts' })
}

const LOCAL: Partial<Http> = { allowHosts: ['127.0.0.1'] }

async function fetchResult(args: Record<string, unknown>, ctx: SkillContext, skill: Skill = httpFetchSkill): Promise<SkillResult> {
  const result = await skill.invoke(args, ctx)
  return typeof result === 'string' ? { content: result } : result
}

async function refused(args: Record<string, unknown>, ctx: SkillContext, pattern: RegExp, skill: Skill = httpFetchSkill): Promise<string> {
  let message = ''
  await assert.rejects(skill.invoke(args, ctx), (error: unknown) => {
    assert.ok(error instanceof SkillError, `expected SkillError, got ${String(error)}`)
    message = error.message
    return true
  })
  assert.match(message, pattern)
  return message
}

describe('http_fetch', () => {
  test('the skill is declared as http_fetch, risk medium, with url required', () => {
    assert.equal(httpFetchSkill.name, 'http_fetch')
    assert.equal(httpFetchSkill.risk, 'medium')
    assert.deepEqual((httpFetchSkill.parameters as { required: string[] }).required, ['url'])
  })

  test('GET to an allowlisted local server returns status, headers and body', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'hello from the server\n'))
    const result = await fetchResult({ url: `${server.origin}/greeting?x=1`, headers: { Accept: 'text/plain', 'X-Test': 'yes' } }, context(LOCAL))
    assert.notEqual(result.isError, true)
    assert.match(result.content, /^HTTP 200 OK\n/)
    assert.match(result.content, /content-type: text\/plain; charset=utf-8\n/)
    assert.match(result.content, /content-length: 22\n/)
    assert.match(result.content, /\n\nhello from the server\n$/)
    assert.equal(server.hits.length, 1)
    assert.equal(server.hits[0]!.url, '/greeting?x=1')
    assert.equal(server.hits[0]!.headers['x-test'], 'yes')
    assert.equal(server.hits[0]!.headers['user-agent'], 'agentor-http_fetch')
  })

  test('allowHosts: localhost admits the local server through the real resolver', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'via localhost'))
    const result = await fetchResult({ url: `http://localhost:${server.port}/` }, context({ allowHosts: ['localhost'] }))
    assert.match(result.content, /via localhost$/)
  })

  test('POST sends the body; HEAD shows headers only; a body with GET is refused', async () => {
    const server = await serve((req, res, self) => reply(res, 201, req.method === 'HEAD' ? '' : `got ${self.hits.at(-1)!.body}`))
    const posted = await fetchResult({ url: server.origin, method: 'POST', body: '{"a":1}', headers: { 'Content-Type': 'application/json' } }, context(LOCAL))
    assert.match(posted.content, /^HTTP 201 Created\n/)
    assert.match(posted.content, /got \{"a":1\}$/)
    assert.equal(server.hits[0]!.headers['content-type'], 'application/json')
    const head = await fetchResult({ url: server.origin, method: 'HEAD' }, context(LOCAL))
    assert.match(head.content, /\[no body: HEAD request\]$/)
    await refused({ url: server.origin, body: 'x' }, context(LOCAL), /only be sent with POST/)
    assert.equal(server.hits.length, 2)
  })

  test('the body is cut at maxBytes with a note', async () => {
    const big = 'a'.repeat(200_000)
    const server = await serve((_req, res) => reply(res, 200, big))
    const result = await fetchResult({ url: server.origin }, context({ ...LOCAL, maxBytes: 1000 }))
    assert.notEqual(result.isError, true)
    const body = result.content.split('\n\n')[1]!
    assert.equal(body.split('\n')[0], 'a'.repeat(1000))
    assert.match(result.content, /\[truncated: showing the first 1000 bytes; the body is more than 1000 bytes \(content-length 200000\) \(skillSettings\.http\.maxBytes\)\]$/)
  })

  test('a multi-byte character cut by the cap is left out, not mangled', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'ab€€€€'))
    const result = await fetchResult({ url: server.origin }, context({ ...LOCAL, maxBytes: 4 }))
    assert.match(result.content, /\n\nab\n\[truncated/)
  })

  test('a stalling server times out after timeoutSeconds', async () => {
    const server = await serve(() => { /* never answers */ })
    const started = Date.now()
    await refused({ url: server.origin }, context({ ...LOCAL, timeoutSeconds: 0.3 }), /timed out after 0\.3s/)
    assert.ok(Date.now() - started < 5000)
    assert.equal(server.hits.length, 1)
  })

  test('a body that stalls halfway also times out', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '100' })
      res.write('partial')
    })
    await refused({ url: server.origin }, context({ ...LOCAL, timeoutSeconds: 0.3 }), /timed out after 0\.3s reading the body/)
  })

  test('cancelling the run aborts the fetch', async () => {
    const server = await serve(() => { /* never answers */ })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 100)
    await refused({ url: server.origin }, context(LOCAL, controller.signal), /aborted/)
    const aborted = AbortSignal.abort()
    await refused({ url: server.origin }, context(LOCAL, aborted), /aborted before the request started/)
  })

  test('a redirect chain inside the allowlist is followed', async () => {
    const second = await serve((req, res) => (req.url === '/end' ? reply(res, 200, 'arrived') : reply(res, 500, 'no')))
    const first = await serve((req, res) => {
      if (req.url === '/start') redirect(res, '/middle', 301)
      else if (req.url === '/middle') redirect(res, `${second.origin}/end`, 307)
    })
    const result = await fetchResult({ url: `${first.origin}/start` }, context(LOCAL))
    assert.notEqual(result.isError, true)
    assert.match(result.content, new RegExp(`final URL: ${second.origin}/end \\(after 2 redirects\\)`))
    assert.match(result.content, /arrived$/)
    assert.deepEqual(first.hits.map((hit) => hit.url), ['/start', '/middle'])
    assert.deepEqual(second.hits.map((hit) => hit.url), ['/end'])
  })

  test('a redirect to a blocked or unlisted address is refused and never fetched', async () => {
    const target = await serve((_req, res) => reply(res, 200, 'SHOULD NOT BE SEEN'))
    for (const location of [
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1/',
      `http://localhost:${target.port}/`,
      `http://[::1]:${target.port}/`,
      `http://2130706434:${target.port}/`,
      `http://127.0.0.2:${target.port}/`,
    ]) {
      const first = await serve((_req, res) => redirect(res, location))
      const message = await refused({ url: first.origin }, context(LOCAL), /^redirect from http:\/\/127\.0\.0\.1:\d+\/ to .* refused: host '.*' is not in skillSettings\.http\.allowHosts$/)
      assert.ok(!message.includes('SHOULD NOT'))
      assert.equal(first.hits.length, 1)
    }
    assert.equal(target.hits.length, 0, 'the redirect target received no request')
  })

  test('each hop is resolved by the guard and connected to the checked address only', async () => {
    const calls: string[] = []
    const lookup = async (hostname: string): Promise<LookupAddress[]> => {
      calls.push(hostname)
      if (hostname === 'inside.test' || hostname === 'outside.test') return [{ address: '127.0.0.1', family: 4 }]
      throw Object.assign(new Error('no such host'), { code: 'ENOTFOUND' })
    }
    const skill = createHttpFetchSkill({ lookup })
    const target = await serve((_req, res) => reply(res, 200, 'inside'))
    const toInside = await serve((_req, res) => redirect(res, `http://inside.test:${target.port}/in`))
    const toOutside = await serve((_req, res) => redirect(res, `http://outside.test:${target.port}/out`))
    const ctx = context({ allowHosts: ['127.0.0.1', 'inside.test'] })
    // inside.test is listed (admitted on purpose although it is loopback); the connection uses the guard's answer.
    const result = await fetchResult({ url: toInside.origin }, ctx, skill)
    assert.match(result.content, /final URL: http:\/\/inside\.test:\d+\/in \(after 1 redirect\)[\s\S]*inside$/)
    assert.equal(target.hits[0]!.headers.host, `inside.test:${target.port}`)
    await refused({ url: toOutside.origin }, ctx, /redirect from .* to http:\/\/outside\.test:\d+\/out refused: host 'outside\.test' is not in/, skill)
    assert.deepEqual(calls, ['inside.test'], 'one lookup for the listed hop, none for the refused one')
    assert.deepEqual(target.hits.map((hit) => hit.url), ['/in'])
  })

  test('too many redirects stop at maxRedirects and show where the next one would go', async () => {
    const server = await serve((req, res) => redirect(res, `/hop${Number(req.url!.slice(4) || 0) + 1}`))
    const result = await fetchResult({ url: `${server.origin}/hop0` }, context({ ...LOCAL, maxRedirects: 2 }))
    assert.equal(result.isError, true)
    assert.match(result.content, /^HTTP 302 Found\n/)
    assert.match(result.content, /location: \/hop3\n/)
    assert.match(result.content, new RegExp(`\\[too many redirects: the limit is 2; not followed: ${server.origin}/hop3\\]$`))
    assert.deepEqual(server.hits.map((hit) => hit.url), ['/hop0', '/hop1', '/hop2'])
  })

  test('with maxRedirects 0 the redirect is reported, not followed', async () => {
    const server = await serve((req, res) => (req.url === '/' ? redirect(res, '/next', 301) : reply(res, 200, 'next')))
    const result = await fetchResult({ url: server.origin }, context({ ...LOCAL, maxRedirects: 0 }))
    assert.equal(result.isError, true)
    assert.match(result.content, /HTTP 301 Moved Permanently\n[\s\S]*location: \/next\n/)
    assert.equal(server.hits.length, 1)
  })

  test('a redirect to file:// (or another scheme) is refused', async () => {
    for (const location of ['file:///etc/passwd', 'gopher://127.0.0.1:70/', 'ftp://127.0.0.1/']) {
      const server = await serve((_req, res) => redirect(res, location))
      await refused({ url: server.origin }, context(LOCAL), /refused: URL scheme '(file|gopher|ftp)' is not allowed/)
    }
  })

  test('303 after POST becomes GET without the body; a cross-origin hop drops Authorization and Cookie', async () => {
    const second = await serve((_req, res) => reply(res, 200, 'done'))
    const first = await serve((_req, res) => redirect(res, `${second.origin}/after`, 303))
    await fetchResult({
      url: first.origin,
      method: 'POST',
      body: 'payload',
      headers: { Authorization: 'Bearer secret', Cookie: 'a=b', 'Content-Type': 'text/plain', 'X-Keep': '1' },
    }, context(LOCAL))
    assert.equal(first.hits[0]!.method, 'POST')
    assert.equal(first.hits[0]!.headers.authorization, 'Bearer secret')
    const hop = second.hits[0]!
    assert.equal(hop.method, 'GET')
    assert.equal(hop.body, '')
    assert.equal(hop.headers.authorization, undefined)
    assert.equal(hop.headers.cookie, undefined)
    assert.equal(hop.headers['content-type'], undefined)
    assert.equal(hop.headers['x-keep'], '1')
  })

  test('status 404 is an error result that still shows the body; long error bodies are cut', async () => {
    const server = await serve((req, res) => reply(res, req.url === '/long' ? 500 : 404, req.url === '/long' ? 'e'.repeat(10_000) : 'no such page'))
    const missing = await fetchResult({ url: `${server.origin}/missing` }, context(LOCAL))
    assert.equal(missing.isError, true)
    assert.match(missing.content, /^HTTP 404 Not Found\n/)
    assert.match(missing.content, /no such page$/)
    const long = await fetchResult({ url: `${server.origin}/long` }, context(LOCAL))
    assert.equal(long.isError, true)
    assert.ok(long.content.includes('e'.repeat(ERROR_BODY_CHARS)))
    assert.ok(!long.content.includes('e'.repeat(ERROR_BODY_CHARS + 1)))
    assert.match(long.content, /\[error body truncated: showing 2000 of 10000 characters\]$/)
  })

  test('binary bodies are described, not dumped', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
    const server = await serve((req, res) => {
      if (req.url === '/png') reply(res, 200, png, { 'content-type': 'image/png' })
      else if (req.url === '/untyped') { res.writeHead(200); res.end(Buffer.from([0, 1, 2, 3, 0xff])) }
      else reply(res, 200, '{"ok":true}', { 'content-type': 'application/problem+json' })
    })
    const image = await fetchResult({ url: `${server.origin}/png` }, context(LOCAL))
    assert.match(image.content, /\[binary body, 12 bytes, content-type image\/png \(not shown\)\]$/)
    assert.ok(!image.content.includes('PNG'))
    const untyped = await fetchResult({ url: `${server.origin}/untyped` }, context(LOCAL))
    assert.match(untyped.content, /\[binary body, 5 bytes, content-type unknown \(not shown\)\]$/)
    const json = await fetchResult({ url: `${server.origin}/json` }, context(LOCAL))
    assert.match(json.content, /\{"ok":true\}$/)
  })

  test('forbidden request headers are refused before anything is sent', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'x'))
    for (const name of ['Host', 'connection', 'Proxy-Authorization', 'Proxy-Connection', 'Transfer-Encoding', 'Content-Length', 'Upgrade']) {
      await refused({ url: server.origin, headers: { [name]: 'x' } }, context(LOCAL), new RegExp(`header '${name}' may not be set`))
    }
    await refused({ url: server.origin, headers: { 'X-Evil': 'a\r\nHost: other' } }, context(LOCAL), /line break/)
    await refused({ url: server.origin, headers: { 'Bad Name': 'a' } }, context(LOCAL), /invalid header name/)
    assert.equal(server.hits.length, 0)
  })

  test('without an allowlist a local server is refused and receives nothing', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'SHOULD NOT BE SEEN'))
    for (const url of [server.origin, `http://localhost:${server.port}/`, `http://2130706433:${server.port}/`, `http://[::ffff:127.0.0.1]:${server.port}/`]) {
      await refused({ url }, context(), /refused .*not a public address \(.*loopback/)
    }
    await refused({ url: 'file:///etc/passwd' }, context(), /scheme 'file'/)
    assert.equal(server.hits.length, 0)
  })

  test('DNS rebinding: the connection goes to the address that was checked, not to a second DNS answer', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'REBOUND'))
    const calls: string[] = []
    const lookup = async (hostname: string): Promise<LookupAddress[]> => {
      calls.push(hostname)
      // First answer public (passes the guard), every later answer loopback.
      return calls.length === 1 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]
    }
    const skill = createHttpFetchSkill({ lookup })
    // The pinned connection goes to the public address (unreachable here, or no server on that port): it fails or times out.
    await assert.rejects(skill.invoke({ url: `http://rebind.test:${server.port}/` }, context({ timeoutSeconds: 1 })), (error: unknown) => {
      assert.ok(error instanceof SkillError, String(error))
      assert.ok(!error.message.includes('REBOUND') && !error.message.includes('127.0.0.1'), error.message)
      return true
    })
    assert.deepEqual(calls, ['rebind.test'], 'the host is resolved once, by the guard')
    assert.equal(server.hits.length, 0, 'the local server was not reached')
  })

  test('proxy settings in the environment are ignored', async () => {
    const proxy = await serve((_req, res) => reply(res, 200, 'FROM PROXY'))
    const server = await serve((_req, res) => reply(res, 200, 'direct'))
    const saved = { ...process.env }
    Object.assign(process.env, { HTTP_PROXY: proxy.origin, http_proxy: proxy.origin, HTTPS_PROXY: proxy.origin, NO_PROXY: '', no_proxy: '' })
    try {
      const result = await fetchResult({ url: server.origin }, context(LOCAL))
      assert.match(result.content, /direct$/)
    } finally {
      for (const key of ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'NO_PROXY', 'no_proxy']) {
        if (saved[key] === undefined) delete process.env[key]
        else process.env[key] = saved[key]
      }
    }
    assert.equal(proxy.hits.length, 0)
  })

  test('connection failures are tool errors', async () => {
    const server = await serve((_req, res) => reply(res, 200, 'x'))
    const port = server.port
    const closed = servers.at(-1)!
    await new Promise((resolve) => closed.close(resolve))
    await refused({ url: `http://127.0.0.1:${port}/` }, context(LOCAL), /request to http:\/\/127\.0\.0\.1:\d+\/ failed: .*ECONNREFUSED/)
  })
})
