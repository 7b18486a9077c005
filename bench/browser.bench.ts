// `npm run bench:browser`: a browser session from start to first screenshot, as an agent pays for it once per run.
// One local page on 127.0.0.1, a 1280×800 viewport, the same Chromium binary and switches everywhere:
//  - agentor: the `browser` skill as a run uses it: chromedriver start, filtering proxy, session, window fit,
//    `navigate` (SSRF pre-check + every request through the proxy), `screenshot` (a PNG under the workspace),
//    then the run's close (session deleted, driver and browser killed, profile removed).
//  - webdriverio: bare `remote()` starting the same chromedriver itself (no proxy), url(), takeScreenshot(), deleteSession().
//  - playwright-core: `chromium.launch()` of the same binary (CDP over a pipe, no driver), goto(), screenshot(), close().
// Subjects take turns in a rotating order after one unmeasured round. Prints a markdown table and a JSON line.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createBrowserSkill } from '../src/engine/browser/skill.js'
import type { ResolvedBrowser } from '../src/engine/manifest/generated/manifest-types.js'
import { FullDisclosure } from '../src/engine/skills/disclosure.js'
import type { SkillContext } from '../src/engine/skills/contract.js'
import { RunResources } from '../src/engine/skills/run-resources.js'
import { ensurePeers, installedVersion, PEERS, ROOT } from './support/peers.js'
import { percentile } from './support/processes.js'

const RUNS = 5
const WARMUPS = 1
const CHROMIUM = '/usr/lib/chromium/chromium'
const CHROMEDRIVER = '/usr/bin/chromedriver'
const WIDTH = 1280
const HEIGHT = 800
/** The switches agentor gives Chromium that matter for start-up cost; the peers get them too. */
const SHARED_ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', `--window-size=${WIDTH},${HEIGHT}`]

interface Timing {
  /** Start to the first screenshot in hand. */
  firstShotMs: number
  /** Start to everything closed again. */
  totalMs: number
}

interface Subject {
  key: string
  name: string
  versions: string
  session(pageUrl: string, workspace: string): Promise<Timing>
  timings: Timing[]
}

function progress(message: string): void {
  process.stderr.write(`${message}\n`)
}

function assertPng(png: Buffer, who: string): void {
  if (png.readUInt32BE(0) !== 0x89504e47 || png.readUInt32BE(16) !== WIDTH || png.readUInt32BE(20) !== HEIGHT) {
    throw new Error(`${who}: the screenshot is not a ${WIDTH}×${HEIGHT} PNG`)
  }
}

/** Takes the screenshot (checked), then closes, whatever happened: the timing of a peer's session since `start`. */
async function timeToScreenshot(who: string, start: number, screenshot: () => Promise<Buffer>, close: () => Promise<void>): Promise<Timing> {
  let firstShotMs: number
  try {
    const png = await screenshot()
    firstShotMs = performance.now() - start
    assertPng(png, who)
  } catch (error) {
    await close().catch(() => undefined)
    throw error
  }
  await close()
  return { firstShotMs, totalMs: performance.now() - start }
}

function agentorSubject(): Subject {
  const config = {
    webdriverUrl: '', driverPath: CHROMEDRIVER, binary: CHROMIUM, browserName: 'chrome', headless: true, allowedDomains: ['127.0.0.1'],
    timeoutSeconds: 60, screenshotDir: 'screenshots', maxPageSourceBytes: 200_000, windowWidth: WIDTH, windowHeight: HEIGHT, args: [],
  } satisfies ResolvedBrowser
  const skill = createBrowserSkill(config)
  return {
    key: 'agentor',
    name: 'agentor `browser` skill',
    versions: `agentor ${(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version}, webdriverio ${installedVersion(ROOT, 'webdriverio')}`,
    timings: [],
    async session(pageUrl, workspace) {
      const start = performance.now()
      const resources = new RunResources()
      const context = {
        workspace, signal: new AbortController().signal, sessionId: 'bench', artifactDir: workspace, resources,
        record: () => undefined, disclosure: new FullDisclosure([]),
      } as unknown as SkillContext
      try {
        await skill.invoke({ action: 'navigate', url: pageUrl }, context)
        const shot = await skill.invoke({ action: 'screenshot', path: 'shot.png' }, context)
        const firstShotMs = performance.now() - start
        if (!String(typeof shot === 'string' ? shot : shot.content).includes(`${WIDTH}×${HEIGHT} PNG`)) throw new Error(`agentor: unexpected screenshot result ${JSON.stringify(shot)}`)
        await resources.closeAll()
        return { firstShotMs, totalMs: performance.now() - start }
      } finally {
        await resources.closeAll()
      }
    },
  }
}

function webdriverioSubject(): Subject {
  return {
    key: 'webdriverio',
    name: 'webdriverio `remote()`',
    versions: `webdriverio ${installedVersion(ROOT, 'webdriverio')}`,
    timings: [],
    async session(pageUrl) {
      const start = performance.now()
      const { remote } = await import('webdriverio')
      const browser = await remote({
        logLevel: 'silent',
        capabilities: {
          browserName: 'chrome',
          'wdio:enforceWebDriverClassic': true,
          'goog:chromeOptions': { binary: CHROMIUM, args: SHARED_ARGS },
          'wdio:chromedriverOptions': { binary: CHROMEDRIVER },
        },
      })
      return timeToScreenshot('webdriverio', start, async () => {
        // --window-size sizes the window, not the page; fit it as agentor does, so both screenshots are 1280×800.
        const [innerWidth, innerHeight] = await browser.execute(() => [window.innerWidth, window.innerHeight] as const)
        const outer = await browser.getWindowSize()
        await browser.setWindowSize(WIDTH + outer.width - innerWidth, HEIGHT + outer.height - innerHeight)
        await browser.url(pageUrl)
        return Buffer.from(await browser.takeScreenshot(), 'base64')
      }, () => browser.deleteSession())
    },
  }
}

/** The part of playwright-core used here (it lives in bench/peers, outside the project's type roots). */
interface PlaywrightChromium {
  launch(options: { executablePath: string; headless: boolean; args: string[] }): Promise<{
    newPage(options: { viewport: { width: number; height: number } }): Promise<{ goto(url: string): Promise<unknown>; screenshot(): Promise<Buffer> }>
    close(): Promise<void>
  }>
}

async function playwrightSubject(): Promise<Subject> {
  const { chromium } = (await import(join(PEERS, 'node_modules/playwright-core/index.mjs'))) as { chromium: PlaywrightChromium }
  return {
    key: 'playwright',
    name: 'playwright-core `chromium.launch()`',
    versions: `playwright-core ${installedVersion(PEERS, 'playwright-core')}`,
    timings: [],
    async session(pageUrl) {
      const start = performance.now()
      const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: SHARED_ARGS.filter((arg) => arg !== '--headless=new') })
      return timeToScreenshot('playwright-core', start, async () => {
        const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } })
        await page.goto(pageUrl)
        return page.screenshot()
      }, () => browser.close())
    },
  }
}

async function main(): Promise<void> {
  ensurePeers(progress)
  const server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    response.end('<!doctype html><title>Bench page</title><style>body{font:16px sans-serif;background:#eef}</style><h1>A page to photograph</h1><p>Served on 127.0.0.1.</p>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const pageUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  const workspace = mkdtempSync(join(tmpdir(), 'agentor-browser-bench-'))
  const subjects = [agentorSubject(), webdriverioSubject(), await playwrightSubject()]
  const load = [loadavg()[0]!]
  try {
    for (let round = 0; round < WARMUPS + RUNS; round++) {
      const measured = round >= WARMUPS
      for (let turn = 0; turn < subjects.length; turn++) {
        const subject = subjects[(round + turn) % subjects.length]!
        const timing = await subject.session(pageUrl, workspace)
        if (measured) subject.timings.push(timing)
        progress(`${measured ? `run ${round - WARMUPS + 1}/${RUNS}` : 'warm-up'} ${subject.key}: first screenshot ${timing.firstShotMs.toFixed(0)} ms, closed ${timing.totalMs.toFixed(0)} ms`)
      }
    }
  } finally {
    server.close()
    rmSync(workspace, { recursive: true, force: true })
  }
  load.push(loadavg()[0]!)
  console.log(renderReport(subjects, load))
  console.log(JSON.stringify(summary(subjects)))
}

function figures(subject: Subject) {
  const shots = subject.timings.map((timing) => timing.firstShotMs)
  const totals = subject.timings.map((timing) => timing.totalMs)
  return { firstShotMedianMs: percentile(shots, 50), firstShotP90Ms: percentile(shots, 90), totalMedianMs: percentile(totals, 50) }
}

function renderReport(subjects: readonly Subject[], load: number[]): string {
  const agentor = figures(subjects[0]!)
  const ms = (value: number) => `${Math.round(value)} ms`
  const rows = [
    ['Subject', 'Versions', 'Start → first screenshot (median)', 'p90', 'Incl. close (median)', '÷ agentor (first screenshot)'],
    ['---', '---', '---:', '---:', '---:', '---:'],
    ...subjects.map((subject) => {
      const own = figures(subject)
      return [subject.name, subject.versions, ms(own.firstShotMedianMs), ms(own.firstShotP90Ms), ms(own.totalMedianMs), `${(own.firstShotMedianMs / agentor.firstShotMedianMs).toFixed(2)}×`]
    }),
  ]
  const notes = [
    `Node ${process.version} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), ${process.platform}/${process.arch}; 1-minute load average ${load.map((value) => value.toFixed(2)).join(' → ')} (start → end).`,
    `Median and p90 of ${RUNS} sessions each, after ${WARMUPS} unmeasured round; subjects take turns in a rotating order, all in this process. Chromium ${CHROMIUM}, chromedriver ${CHROMEDRIVER}, a ${WIDTH}×${HEIGHT} page area; every screenshot was checked to be a ${WIDTH}×${HEIGHT} PNG.`,
    'agentor = the `browser` skill (chromedriver start, filtering SSRF proxy, session, window fit, navigate, screenshot written under the workspace), then RunResources.closeAll() as at run end. webdriverio = remote() starting the same chromedriver itself, the same window fit, url(), takeScreenshot(), deleteSession(). playwright-core = chromium.launch() (CDP over a pipe, no WebDriver server), newPage({ viewport }), goto(), screenshot(), close().',
  ]
  const table = (lines: string[][]) => lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n')
  return [table(rows), '', ...notes.map((note) => `- ${note}`), ''].join('\n')
}

function summary(subjects: readonly Subject[]) {
  return {
    bench: 'browser',
    runs: RUNS,
    subjects: Object.fromEntries(subjects.map((subject) => [subject.key, { ...figures(subject), versions: subject.versions }])),
  }
}

await main()
