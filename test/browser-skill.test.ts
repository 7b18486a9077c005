// The `browser` skill against a real Chromium and chromedriver, with pages served by the test on 127.0.0.1 and a
// second server on 127.0.0.2 standing for an address the SSRF guard must keep the browser away from.
// Skipped with the reason when Chromium is not installed, except under CI, where it must be.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'
import { after, before, describe, test } from 'node:test'
import type { BrowserSession } from '../src/engine/browser/session.js'
import { BROWSER_RESOURCE, createBrowserSkill } from '../src/engine/browser/skill.js'
import type { ResolvedBrowser } from '../src/engine/manifest/generated/manifest-types.js'
import { SkillError, type Skill, type SkillContext, type SkillEvent } from '../src/engine/skills/contract.js'
import { RunResources } from '../src/engine/skills/run-resources.js'
import { aliveAfter, browserUnavailable, CHROMEDRIVER, isAlive, liveDescendants, liveDescendantsRunning, serve, type TestSite } from './support/browser.js'
import { resolvedManifest } from './support/schema-defaults.js'
import { skillContext } from './support/skill-context.js'

const unavailable = browserUnavailable()
const required = Boolean(process.env.CI)

function browserConfig(overrides: Partial<ResolvedBrowser> = {}): ResolvedBrowser {
  return resolvedManifest({ browser: { allowedDomains: ['127.0.0.1'], windowWidth: 640, windowHeight: 480, timeoutSeconds: 20, ...overrides } }).browser
}

/** One run: its own resources (closed by `end`, as the engine does at run end), workspace and recorded events. */
function startRun(skill: Skill) {
  const workspace = mkdtempSync(join(tmpdir(), 'agentor-browser-test-'))
  const resources = new RunResources()
  const events: SkillEvent[] = []
  const context: SkillContext = skillContext(workspace, { resources, record: (event) => events.push(event) })
  const call = async (args: Record<string, unknown>): Promise<string> => {
    const result = await skill.invoke(args, context)
    return typeof result === 'string' ? result : result.content
  }
  const refused = async (args: Record<string, unknown>): Promise<string> => {
    const error = await call(args).then(
      (content) => assert.fail(`expected a refusal, got: ${content}`),
      (thrown: unknown) => thrown,
    )
    assert.ok(error instanceof SkillError, `a tool error the model sees, not ${String(error)}`)
    assert.doesNotMatch(error.message, /\n\s+at /, 'no stack trace')
    return error.message
  }
  const end = async (): Promise<void> => {
    await resources.closeAll()
    rmSync(workspace, { recursive: true, force: true })
  }
  return { workspace, resources, events, call, refused, end }
}

/** The chromedriver processes this test process started (under their watchdog shell). */
function driverProcesses(): number[] {
  return liveDescendantsRunning(process.pid, 'chromedriver')
}

test('Chromium and chromedriver are installed (required under CI)', { skip: required ? false : unavailable }, () => {
  assert.equal(browserUnavailable(), false)
})

describe('browser skill with a real Chromium', { skip: unavailable }, () => {
  let site: TestSite
  let blocked: TestSite
  let skill: Skill
  let run: ReturnType<typeof startRun>
  const submissions: string[] = []

  before(async () => {
    blocked = await serve('127.0.0.2', { '/secret': 'the secret', '/pixel.png': 'not an image', '/frame': '<p>framed secret</p>' })
    site = await serve('127.0.0.1', {
      '/form': `<!doctype html><title>Order</title>
        <form action="/done" method="post">
          <input id="name" name="name"><textarea id="note" name="note"></textarea>
          <select id="size" name="size"><option value="s">Small</option><option value="l">Large</option></select>
          <input type="checkbox" id="gift" name="gift" value="yes">
          <button type="submit">Order</button>
        </form>`,
      '/done': (request, response) => {
        let body = ''
        request.on('data', (chunk: Buffer) => { body += chunk.toString() })
        request.on('end', () => {
          submissions.push(body)
          // A slow response: the action must wait for the new page, not report the form's URL.
          setTimeout(() => response.writeHead(200, { 'content-type': 'text/html' }).end('<title>Thanks</title><p>Order received</p>'), 600)
        })
      },
      '/live-search': `<!doctype html><title>Live search</title>
        <form id="search"><input id="q" name="q"></form><p id="out"></p>
        <script>document.getElementById('search').addEventListener('submit', (event) => {
          event.preventDefault()
          document.getElementById('out').textContent = 'results for ' + document.getElementById('q').value
        })</script>`,
      '/article': `<!doctype html><title>Article</title><style>p { color: red }</style><script>var hidden = "script text"</script>
        <h1>Headline</h1><p class="lead">First paragraph.</p><p class="lead">Second paragraph.</p><div hidden>invisible</div>`,
      '/later': `<!doctype html><title>Later</title><div id="root">loading</div>
        <script>setTimeout(() => { document.getElementById('root').innerHTML = '<span id="ready">Ready now</span>' }, 700)</script>`,
      '/to-blocked': (_request, response) => { response.writeHead(302, { location: `${blocked.origin}/secret` }).end() },
      '/to-metadata': (_request, response) => { response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end() },
      '/embeds-blocked': `<!doctype html><title>Embeds</title><p>visible part</p>
        <img src="${blocked.origin}/pixel.png"><iframe src="${blocked.origin}/frame"></iframe>
        <script>fetch('${blocked.origin}/secret').catch(() => {})</script>`,
    })
    skill = createBrowserSkill(browserConfig())
    run = startRun(skill)
  })

  after(async () => {
    await run?.end()
    await site?.close()
    await blocked?.close()
  })

  test('a form is filled (text, textarea, select, checkbox) and submitted in one call', async () => {
    await run.call({ action: 'navigate', url: `${site.origin}/form` })
    const result = await run.call({
      action: 'fill_form',
      fields: [
        { selector: '#name', value: 'Ada Lovelace' },
        { selector: '#note', value: 'two lines\nof note' },
        { selector: '#size', value: 'Large' },
        { selector: '#gift', value: 'true' },
      ],
      submit: true,
    })
    assert.match(result, /Filled 4 fields and submitted the form; now at http:\/\/127\.0\.0\.1:\d+\/done/)
    assert.equal(submissions.length, 1)
    assert.deepEqual(Object.fromEntries(new URLSearchParams(submissions[0])), { name: 'Ada Lovelace', note: 'two lines\r\nof note', size: 'l', gift: 'yes' })
    assert.equal(await run.call({ action: 'extract_text' }), 'Order received')
  })

  test('a form whose page handles the submit itself reports that it stayed, without waiting', async () => {
    await run.call({ action: 'navigate', url: `${site.origin}/live-search` })
    const result = await run.call({ action: 'fill_form', fields: [{ selector: '#q', value: 'kernel' }], submit: true })
    assert.match(result, /submitted the form; the page handled it without navigating; still at http:\/\/127\.0\.0\.1:\d+\/live-search/)
    assert.equal(await run.call({ action: 'extract_text', selector: '#out' }), 'results for kernel')
  })

  test('extract_text gives the text of every match, or the readable text of the page', async () => {
    await run.call({ action: 'navigate', url: `${site.origin}/article` })
    assert.equal(await run.call({ action: 'extract_text', selector: 'p.lead' }), 'First paragraph.\nSecond paragraph.')
    const page = await run.call({ action: 'extract_text' })
    assert.match(page, /Headline\s+First paragraph\.\s+Second paragraph\./)
    assert.doesNotMatch(page, /script text|color: red|invisible/)
    assert.match(await run.refused({ action: 'extract_text', selector: '#nothing-here' }), /no element matches #nothing-here/)
  })

  test('a selector that matches nothing, or is not CSS, is a tool error', async () => {
    assert.match(await run.refused({ action: 'click', selector: '#missing' }), /^no element matches #missing$/)
    assert.match(await run.refused({ action: 'click', selector: 'div[' }), /^(browser click failed: .*invalid selector|no element matches div\[)/i)
  })

  test('get_page_source returns the HTML', async () => {
    assert.match(await run.call({ action: 'get_page_source' }), /<h1>Headline<\/h1>/)
  })

  test('a screenshot is a valid PNG of the configured size, saved under the workspace', async () => {
    const result = await run.call({ action: 'screenshot' })
    const saved = /Saved screenshot to (screenshots\/screenshot-[\d-]+\.png) \(640×480 PNG/.exec(result)
    assert.ok(saved, result)
    const png = readFileSync(join(run.workspace, saved[1]!))
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'PNG signature')
    const chunks: string[] = []
    for (let offset = 8; offset < png.length;) {
      const length = png.readUInt32BE(offset)
      const typeAndData = png.subarray(offset + 4, offset + 8 + length)
      assert.equal(png.readUInt32BE(offset + 8 + length), crc32(typeAndData), `CRC of chunk ${typeAndData.subarray(0, 4).toString()}`)
      chunks.push(typeAndData.subarray(0, 4).toString())
      offset += 12 + length
    }
    assert.equal(chunks[0], 'IHDR')
    assert.equal(chunks.at(-1), 'IEND')
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [640, 480])

    const named = await run.call({ action: 'screenshot', path: 'shots/page.png' })
    assert.match(named, /Saved screenshot to shots\/page\.png/)
    assert.ok(existsSync(join(run.workspace, 'shots/page.png')))
  })

  test('a screenshot path outside the workspace is refused and nothing is written', async () => {
    assert.match(await run.refused({ action: 'screenshot', path: '../escaped.png' }), /outside the workspace/)
    assert.match(await run.refused({ action: 'screenshot', path: '/tmp/agentor-escaped.png' }), /outside the workspace/)
    assert.equal(existsSync(join(run.workspace, '..', 'escaped.png')), false)
    assert.equal(existsSync('/tmp/agentor-escaped.png'), false)
  })

  test('wait_for waits for a selector or a text, and times out with a clear message', async () => {
    await run.call({ action: 'navigate', url: `${site.origin}/later` })
    assert.equal(await run.call({ action: 'wait_for', selector: '#ready' }), 'Found an element matching #ready')
    assert.equal(await run.call({ action: 'wait_for', text: 'Ready now' }), 'Found the text "Ready now"')
    assert.match(await run.refused({ action: 'wait_for', selector: '#never', timeoutSeconds: 0.5 }), /timed out after 0\.5s waiting for an element matching #never/)
  })

  test('click and back', async () => {
    await run.call({ action: 'navigate', url: `${site.origin}/article` })
    await run.call({ action: 'navigate', url: `${site.origin}/form` })
    assert.match(await run.call({ action: 'back' }), /now at http:\/\/127\.0\.0\.1:\d+\/article/)
    await run.call({ action: 'navigate', url: `${site.origin}/form` })
    await run.call({ action: 'fill_form', fields: [{ selector: '#name', value: 'Grace' }] })
    assert.match(await run.call({ action: 'click', selector: 'button[type=submit]' }), /Clicked button\[type=submit\]; now at .*\/done/)
    assert.equal(new URLSearchParams(submissions.at(-1)).get('name'), 'Grace')
  })

  test('navigation to an address outside allowedDomains, or to a non-http URL, is refused', async () => {
    const before = blocked.hits.length
    assert.match(await run.refused({ action: 'navigate', url: `${blocked.origin}/secret` }), /^navigation refused: host '127\.0\.0\.2' is not in browser\.allowedDomains/)
    assert.match(await run.refused({ action: 'navigate', url: 'http://169.254.169.254/latest/meta-data/' }), /navigation refused: host '169\.254\.169\.254' is not in browser\.allowedDomains/)
    assert.match(await run.refused({ action: 'navigate', url: 'file:///etc/passwd' }), /navigation refused: URL scheme 'file' is not allowed/)
    assert.equal(blocked.hits.length, before, 'the blocked server was never contacted')
  })

  test('a redirect to a blocked address is refused and the target never contacted', async () => {
    const before = blocked.hits.length
    const message = await run.refused({ action: 'navigate', url: `${site.origin}/to-blocked` })
    assert.match(message, new RegExp(`^navigation refused: redirect to ${blocked.origin}/secret blocked \\(host '127\\.0\\.0\\.2' is not in browser\\.allowedDomains\\)`))
    assert.match(await run.refused({ action: 'navigate', url: `${site.origin}/to-metadata` }), /navigation refused: redirect to http:\/\/169\.254\.169\.254\/latest\/meta-data\/ blocked/)
    assert.equal(blocked.hits.length, before)
    assert.doesNotMatch(await run.call({ action: 'get_page_source' }), /the secret/)
  })

  test('images, iframes and fetches to a blocked address are not fetched, and the result says so', async () => {
    const before = blocked.hits.length
    const result = await run.call({ action: 'navigate', url: `${site.origin}/embeds-blocked` })
    assert.match(result, /^Navigated to http:\/\/127\.0\.0\.1:\d+\/embeds-blocked\ntitle: Embeds/)
    // The script's fetch may come after the page load: the next action reports what was blocked since.
    await new Promise((resolve) => setTimeout(resolve, 300))
    const noted = result + (await run.call({ action: 'back' }))
    assert.match(noted, /the SSRF guard blocked \d+ requests?: .*http:\/\/127\.0\.0\.2:\d+\/\S+ \(host '127\.0\.0\.2' is not in browser\.allowedDomains\)/)
    assert.equal(blocked.hits.length, before, `the blocked server was hit: ${blocked.hits.slice(before).join(', ')}`)
  })

  test('invalid arguments are rejected per action, before any browser work', async () => {
    assert.match(await run.refused({ action: 'navigate' }), /invalid arguments for browser navigate: missing argument `url`/)
    assert.match(await run.refused({ action: 'click', selector: 'a', url: 'http://x/' }), /click does not take `url` \(it takes: selector\)/)
    assert.match(await run.refused({ action: 'fill_form', fields: [] }), /fields must NOT have fewer than 1 items/)
    assert.match(await run.refused({ action: 'fill_form', fields: [{ selector: '#a' }] }), /missing argument `value`/)
    assert.match(await run.refused({ action: 'screenshot', path: 'shot.jpg' }), /path must match pattern/)
    assert.match(await run.refused({ action: 'wait_for' }), /exactly one/)
    assert.match(await run.refused({ action: 'wait_for', selector: 'a', text: 'b' }), /exactly one/)
    assert.match(await run.refused({ action: 'fly' }), /unknown action "fly"; valid actions: navigate, click, fill_form, extract_text, screenshot, get_page_source, wait_for, back/)
  })

  test('one session serves every call of the run: one driver process, one start event', () => {
    assert.equal(driverProcesses().length, 1)
    assert.deepEqual(run.events.map((event) => event.event), ['browser-started'])
  })

  test('at run end the driver and every browser process are gone', async () => {
    const [driver] = driverProcesses()
    assert.ok(driver !== undefined)
    const browserProcesses = liveDescendants(driver)
    assert.ok(browserProcesses.length > 0, 'chromium runs under the driver')
    const session = await run.resources.acquire<BrowserSession>(BROWSER_RESOURCE, () => Promise.reject(new Error('no session')))
    const profile = (session.browser.capabilities as { chrome?: { userDataDir?: string } }).chrome?.userDataDir
    assert.ok(profile !== undefined && existsSync(profile), 'a temporary profile')
    await run.end()
    assert.deepEqual(driverProcesses(), [])
    assert.deepEqual([driver, ...browserProcesses].filter(isAlive), [])
    assert.equal(existsSync(profile), false, 'the profile is deleted')
    assert.match(await run.refused({ action: 'get_page_source' }).catch((error: Error) => error.message), /run has ended/)
  })
})

describe('browser start failures', { skip: unavailable }, () => {
  test('a driverPath that does not exist is a clear tool error naming the path and the key', async () => {
    const run = startRun(createBrowserSkill(browserConfig({ driverPath: '/opt/nowhere/chromedriver' })))
    try {
      const message = await run.refused({ action: 'get_page_source' })
      assert.match(message, /\/opt\/nowhere\/chromedriver is not found/)
      assert.match(message, /browser\.driverPath/)
      assert.deepEqual(driverProcesses(), [])
    } finally {
      await run.end()
    }
  })

  test('a browser that fails to start leaves no driver process behind', async () => {
    const run = startRun(createBrowserSkill(browserConfig({ binary: '/bin/true', driverPath: CHROMEDRIVER })))
    try {
      const message = await run.refused({ action: 'get_page_source' })
      assert.match(message, /the browser did not start \(chrome, browser\.binary \/bin\/true\)/)
      assert.deepEqual(driverProcesses(), [])
    } finally {
      await run.end()
    }
  })

  test('a missing browser binary names browser.binary and starts no driver', async () => {
    const run = startRun(createBrowserSkill(browserConfig({ binary: '/opt/nowhere/chromium' })))
    try {
      assert.match(await run.refused({ action: 'get_page_source' }), /\/opt\/nowhere\/chromium does not exist; install the browser or set browser\.binary/)
      assert.deepEqual(driverProcesses(), [])
    } finally {
      await run.end()
    }
  })
})

describe('a WebDriver server the user runs (browser.webdriverUrl)', { skip: unavailable }, () => {
  test('the session goes through the same guard, and closing it leaves the server running but no browser', async () => {
    const server = spawn(CHROMEDRIVER, ['--port=0'], { stdio: ['ignore', 'pipe', 'ignore'] })
    const site = await serve('127.0.0.1', { '/': '<!doctype html><title>Remote</title><p>via webdriverUrl</p>' })
    try {
      const port = await new Promise<string>((resolve) => {
        let output = ''
        server.stdout!.on('data', (chunk: Buffer) => {
          output += chunk.toString()
          const match = /successfully on port (\d+)/.exec(output)
          if (match) resolve(match[1]!)
        })
      })
      const run = startRun(createBrowserSkill(browserConfig({ webdriverUrl: `http://127.0.0.1:${port}` })))
      try {
        assert.match(await run.call({ action: 'navigate', url: `${site.origin}/` }), /^Navigated to .*\ntitle: Remote/)
        assert.match(await run.refused({ action: 'navigate', url: `${site.origin}/`.replace('127.0.0.1', '127.0.0.2') }), /not in browser\.allowedDomains/)
        assert.equal(run.events[0]?.data?.driverPid, undefined, 'agentor started no driver')
        const browsers = liveDescendants(server.pid!)
        assert.ok(browsers.length > 0)
        await run.end()
        // The user's driver, not agentor, waits for its browser to exit: allow it a moment.
        assert.deepEqual(await aliveAfter(browsers, 5000), [], 'the session and its browser are closed')
        assert.ok(isAlive(server.pid!), "the user's WebDriver server keeps running")
      } finally {
        await run.end()
      }
    } finally {
      server.kill('SIGKILL')
      await site.close()
    }
  })
})
