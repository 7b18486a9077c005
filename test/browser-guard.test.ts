// The browser's SSRF guard without a browser: the filtering proxy spoken to directly (plain requests and CONNECT
// tunnels, DNS answers pinned), navigate's pre-check, and the tool schema as the providers get it.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { ACTION_NAMES, actionSchema } from '../src/engine/browser/actions.js'
import { startFilteringProxy, type FilteringProxy } from '../src/engine/browser/filtering-proxy.js'
import { createBrowserSkill } from '../src/engine/browser/skill.js'
import { toolsParam as anthropicTools } from '../src/engine/llm/anthropic-backend.js'
import { toolsParam as openAITools } from '../src/engine/llm/openai-backend.js'
import { createManifestAjv } from '../src/engine/manifest/ajv-options.js'
import { SkillError } from '../src/engine/skills/contract.js'
import type { HostLookup } from '../src/engine/skills/guards/ssrf.js'
import { RunResources } from '../src/engine/skills/run-resources.js'
import { serve, type TestSite } from './support/browser.js'
import { resolvedManifest } from './support/schema-defaults.js'
import { skillContext } from './support/skill-context.js'

/** A fake DNS: `site.test` is the test server on 127.0.0.1; `rebind.test` answers a private address. */
const lookup: HostLookup = async (hostname) => {
  if (hostname === 'site.test') return [{ address: '127.0.0.1', family: 4 }]
  if (hostname === 'rebind.test') return [{ address: '10.0.0.7', family: 4 }]
  throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' })
}

/** A request through the proxy as a browser sends it: absolute-form URL for plain HTTP. */
function viaProxy(proxy: FilteringProxy, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const sent = request({ host: '127.0.0.1', port: proxy.port, path: url, headers: { host: url.startsWith('/') ? '127.0.0.1' : new URL(url).host } }, (response) => {
      let body = ''
      response.setEncoding('utf8').on('data', (chunk: string) => { body += chunk }).on('end', () => resolve({ status: response.statusCode!, body }))
    })
    sent.on('error', reject).end()
  })
}

/** The proxy's answer to `CONNECT authority`: its status line. */
function connectVia(proxy: FilteringProxy, authority: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(proxy.port, '127.0.0.1', () => socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`))
    let answer = ''
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      answer += chunk
      if (answer.includes('\r\n')) {
        socket.destroy()
        resolve(answer.split('\r\n')[0]!)
      }
    })
    socket.on('error', reject)
  })
}

describe('the filtering proxy', () => {
  let site: TestSite
  let target: TestSite
  let open: FilteringProxy
  let listed: FilteringProxy

  before(async () => {
    site = await serve('127.0.0.1', { '/hello': 'hello through the proxy' })
    target = await serve('127.0.0.2', { '/secret': 'secret' })
    open = await startFilteringProxy({ lookup, timeoutMs: 5000 })
    listed = await startFilteringProxy({ allowHosts: ['site.test', '.site.test'], lookup, timeoutMs: 5000 })
  })
  after(async () => {
    await Promise.all([open, listed].map((proxy) => proxy?.close()))
    await site?.close()
    await target?.close()
  })

  test('with no allowlist, private and loopback addresses are refused with a 403 and recorded', async () => {
    const refused = await viaProxy(open, `${target.origin}/secret`)
    assert.equal(refused.status, 403)
    assert.match(refused.body, /Blocked by agentor's SSRF guard/)
    assert.match(refused.body, /not a public address \(loopback, 127\.0\.0\.0\/8\)/)
    assert.equal((await viaProxy(open, 'http://169.254.169.254/latest/meta-data/')).status, 403)
    assert.deepEqual(open.takeRefusals().map((refusal) => refusal.url), [`${target.origin}/secret`, 'http://169.254.169.254/latest/meta-data/'])
    assert.deepEqual(open.takeRefusals(), [], 'taken once')
    assert.deepEqual(target.hits, [])
  })

  test('a name that resolves to a private address is refused, for plain requests and CONNECT tunnels', async () => {
    assert.match((await viaProxy(open, 'http://rebind.test/')).body, /refused rebind\.test: it resolves to 10\.0\.0\.7, not a public address \(private, 10\.0\.0\.0\/8\)/)
    assert.equal(await connectVia(open, 'rebind.test:443'), 'HTTP/1.1 403 Forbidden')
    assert.equal(await connectVia(open, '169.254.169.254:443'), 'HTTP/1.1 403 Forbidden')
    assert.deepEqual(open.takeRefusals().map((refusal) => refusal.url), ['http://rebind.test/', 'https://rebind.test/', 'https://169.254.169.254/'])
  })

  test('an allowlisted name is reached at the address the guard resolved (the fake DNS), never resolved again', async () => {
    const port = new URL(site.origin).port
    const answer = await viaProxy(listed, `http://site.test:${port}/hello`)
    assert.deepEqual(answer, { status: 200, body: 'hello through the proxy' })
    assert.equal(await connectVia(listed, `www.site.test:${port}`), 'HTTP/1.1 403 Forbidden', 'admitted by name, but the fake DNS has no answer')
    assert.equal(await connectVia(listed, `site.test:${port}`), 'HTTP/1.1 200 Connection Established')
    assert.equal((await viaProxy(listed, `${target.origin}/secret`)).status, 403)
    assert.deepEqual(listed.takeRefusals().map((refusal) => refusal.reason), [
      "could not resolve host 'www.site.test' (ENOTFOUND)",
      "host '127.0.0.2' is not in browser.allowedDomains",
    ])
    assert.deepEqual(target.hits, [])
  })

  test('with loopback admitted, the WebDriver port and the proxy itself stay refused (a page must not drive its own browser)', async () => {
    const loopback = await startFilteringProxy({ allowHosts: ['127.0.0.1'], lookup, timeoutMs: 5000 })
    const driver = await serve('127.0.0.1', { '/session': 'a WebDriver server' })
    const other = await serve('127.0.0.1', { '/page': 'a local page' })
    try {
      loopback.protectLocalPort(Number(new URL(driver.origin).port))
      assert.equal((await viaProxy(loopback, `${other.origin}/page`)).status, 200, 'other local ports stay admitted')
      const refused = await viaProxy(loopback, `${driver.origin}/session`)
      assert.equal(refused.status, 403)
      assert.match(refused.body, /agentor's own browser control endpoint/)
      assert.equal(await connectVia(loopback, `127.0.0.1:${new URL(driver.origin).port}`), 'HTTP/1.1 403 Forbidden')
      assert.equal((await viaProxy(loopback, `http://127.0.0.1:${loopback.port}/`)).status, 403)
      assert.deepEqual(driver.hits, [])
    } finally {
      await loopback.close()
      await Promise.all([driver.close(), other.close()])
    }
  })

  test('a request that is not for a proxy (origin-form) is refused', async () => {
    const answer = await viaProxy(open, '/hello')
    assert.equal(answer.status, 400)
    assert.deepEqual(site.hits, ['/hello'])
  })
})

describe('navigate is checked before any browser starts', () => {
  const workspace = mkdtempSync(join(tmpdir(), 'agentor-browser-guard-'))
  after(() => rmSync(workspace, { recursive: true, force: true }))

  for (const [url, reason] of [
    ['http://rebind.test/', /^navigation refused: refused rebind\.test: it resolves to 10\.0\.0\.7, not a public address \(private/],
    ['http://127.0.0.1:8080/', /^navigation refused: refused 127\.0\.0\.1: not a public address \(loopback/],
    ['http://metadata.google.internal/', /^navigation refused: refused metadata\.google\.internal: a cloud metadata host name/],
    ['javascript:alert(1)', /^navigation refused: URL scheme 'javascript' is not allowed/],
    ['chrome://settings', /^navigation refused: URL scheme 'chrome' is not allowed/],
  ] as const) {
    test(`${url} is refused`, async () => {
      // A driver path that cannot start: the refusal must come first, or this would fail differently.
      const skill = createBrowserSkill(resolvedManifest({ browser: { driverPath: '/opt/nowhere/chromedriver' } }).browser, { lookup })
      const resources = new RunResources()
      const error = await skill.invoke({ action: 'navigate', url }, skillContext(workspace, { resources })).then(() => undefined, (thrown: unknown) => thrown)
      await resources.closeAll()
      assert.ok(error instanceof SkillError)
      assert.match(error.message, reason)
    })
  }
})

describe('the tool schema', () => {
  const skill = createBrowserSkill(resolvedManifest().browser)

  test('compiles under the project ajv, as does each action schema', () => {
    const ajv = createManifestAjv({ useDefaults: false })
    const validate = ajv.compile(skill.parameters)
    assert.equal(validate({ action: 'navigate', url: 'http://example.com/' }), true)
    assert.equal(validate({ action: 'navigate', nonsense: 1 }), false)
    for (const name of ACTION_NAMES) ajv.compile(actionSchema(name))
  })

  test('the OpenAI and Anthropic conversions get a plain object schema (no top-level oneOf/anyOf/allOf, which they refuse)', () => {
    const spec = { name: skill.name, description: skill.description, parameters: skill.parameters }
    const openAI = openAITools([spec]).tools![0]!
    const anthropic = anthropicTools([spec]).tools![0]!
    for (const schema of [openAI.function.parameters as Record<string, unknown>, anthropic.input_schema as Record<string, unknown>]) {
      assert.equal(schema.type, 'object')
      for (const keyword of ['oneOf', 'anyOf', 'allOf', 'not', 'enum']) assert.equal(keyword in schema, false, keyword)
      assert.deepEqual((schema.properties as { action: { enum: string[] } }).action.enum, ACTION_NAMES)
      assert.deepEqual(JSON.parse(JSON.stringify(schema)), schema, 'plain JSON')
    }
  })
})
