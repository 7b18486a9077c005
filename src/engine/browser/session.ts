import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { isIP } from 'node:net'
import type { Browser } from 'webdriverio'
import type { ResolvedBrowser } from '../manifest/generated/manifest-types.js'
import { SkillError } from '../skills/contract.js'
import type { HostLookup } from '../skills/guards/ssrf.js'
import type { RunResource } from '../skills/run-resources.js'
import { browserCapabilities } from './capabilities.js'
import { startDriver, type DriverProcess } from './driver-process.js'
import { startFilteringProxy, type FilteringProxy } from './filtering-proxy.js'

export interface BrowserSession {
  browser: Browser
  proxy: FilteringProxy
  /** PID of the WebDriver server agentor started (none with `browser.webdriverUrl`). */
  driverPid?: number
}

/** `browser.allowedDomains` as `checkUrl` allowlist entries: each domain and its subdomains; undefined when empty. */
export function allowHostsFor(config: ResolvedBrowser): string[] | undefined {
  if (config.allowedDomains.length === 0) return undefined
  return config.allowedDomains.flatMap((domain) => {
    const bare = domain.trim().replace(/^\.+/, '')
    return isIP(bare.replace(/^\[(.*)\]$/, '$1')) ? [bare] : [bare, `.${bare}`]
  })
}

/**
 * Opens the run's browser: the filtering proxy, the WebDriver server (unless `webdriverUrl` names one), and a
 * session whose traffic goes through the proxy. Whatever was started is stopped again if a later step fails.
 */
export async function openBrowserSession(config: ResolvedBrowser, lookup?: HostLookup): Promise<RunResource<BrowserSession>> {
  const timeoutMs = config.timeoutSeconds * 1000
  if (!config.webdriverUrl && config.binary && !existsSync(config.binary)) {
    throw new SkillError(`cannot start the browser: ${config.binary} does not exist; install the browser or set browser.binary`)
  }
  const cleanups: (() => Promise<void>)[] = []
  const closeAll = async (): Promise<void> => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
  }
  try {
    // Registered first so it runs last, once the browser has exited.
    let profileDir: string | undefined
    cleanups.push(async () => { if (profileDir) await rm(profileDir, { recursive: true, force: true, maxRetries: 3 }) })
    const proxy = await startFilteringProxy({ allowHosts: allowHostsFor(config), lookup, timeoutMs })
    cleanups.push(() => proxy.close())

    let driver: DriverProcess | undefined
    let endpoint: URL
    if (config.webdriverUrl) {
      endpoint = webdriverEndpoint(config.webdriverUrl)
      proxy.protectLocalPort(Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80)))
    } else {
      driver = await startDriver(config.driverPath, timeoutMs)
      cleanups.push(driver.stop)
      endpoint = new URL(`http://127.0.0.1:${driver.port}/`)
      proxy.protectLocalPort(driver.port)
    }

    const { remote } = await importWebdriverio()
    let browser: Browser
    try {
      browser = await remote({
        protocol: endpoint.protocol.slice(0, -1),
        hostname: endpoint.hostname,
        port: Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80)),
        path: endpoint.pathname,
        logLevel: 'silent',
        connectionRetryTimeout: timeoutMs,
        connectionRetryCount: 0,
        capabilities: browserCapabilities({ config, proxyPort: proxy.port }),
      })
    } catch (error) {
      const where = config.webdriverUrl ? `the WebDriver server at ${config.webdriverUrl} (browser.webdriverUrl)` : `browser.binary ${config.binary || '(driver default)'}`
      throw new SkillError(`the browser did not start (${config.browserName}, ${where}): ${firstLine(error)}`)
    }
    cleanups.push(() => browser.deleteSession().then(() => undefined))
    profileDir = driver ? temporaryProfile(browser, config) : undefined
    await browser.setTimeout({ pageLoad: timeoutMs, script: timeoutMs, implicit: 0 })
    await fitViewport(browser, config)

    const session: BrowserSession = { browser, proxy, driverPid: driver?.pid }
    return { value: session, close: closeAll }
  } catch (error) {
    await closeAll()
    throw error instanceof SkillError ? error : new SkillError(`the browser did not start: ${firstLine(error)}`)
  }
}

/** The profile chromedriver made for the session, which it leaves behind; not one the manifest chose with `--user-data-dir`. */
function temporaryProfile(browser: Browser, config: ResolvedBrowser): string | undefined {
  if (config.args.some((arg) => arg.startsWith('--user-data-dir'))) return undefined
  return (browser.capabilities as { chrome?: { userDataDir?: string } }).chrome?.userDataDir
}

function webdriverEndpoint(text: string): URL {
  try {
    const url = new URL(text)
    if (url.protocol === 'http:' || url.protocol === 'https:') return url
  } catch {
    // Reported below.
  }
  throw new SkillError(`browser.webdriverUrl is not an http(s) URL: ${JSON.stringify(text)}`)
}

/**
 * webdriverio reads HTTP(S)_PROXY once, when it is first imported, and would send even 127.0.0.1 traffic to the
 * driver through that proxy; loopback is added to NO_PROXY before the import.
 */
async function importWebdriverio(): Promise<typeof import('webdriverio')> {
  const loopback = ['127.0.0.1', 'localhost', '::1']
  for (const name of ['NO_PROXY', 'no_proxy']) {
    const listed = (process.env[name] ?? '').split(/[\s,;]+/).filter(Boolean)
    process.env[name] = [...listed, ...loopback.filter((host) => !listed.includes(host))].join(',')
  }
  return import('webdriverio')
}

/** Resizes the window so the page area (and so every screenshot) is exactly windowWidth × windowHeight. */
async function fitViewport(browser: Browser, config: ResolvedBrowser): Promise<void> {
  const [innerWidth, innerHeight] = await browser.execute(() => [window.innerWidth, window.innerHeight] as const)
  const outer = await browser.getWindowSize()
  const width = config.windowWidth + outer.width - innerWidth
  const height = config.windowHeight + outer.height - innerHeight
  if (width !== outer.width || height !== outer.height) await browser.setWindowSize(width, height)
}

/** The first line of an error's message: WebDriver errors carry stack traces and session details after it. */
export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.split('\n')[0]!.replace(/^(WebDriverError|Error):\s*/, '').slice(0, 500)
}
