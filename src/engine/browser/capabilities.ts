import type { ResolvedBrowser } from '../manifest/generated/manifest-types.js'

/**
 * Chromium switches for an unattended browser: no first-run UI, no background services (their requests would only
 * be refused by the filtering proxy, or reach Google), WebRTC kept behind the proxy.
 */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-default-apps',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter,Translate,CertificateTransparencyComponentUpdater',
  '--no-first-run',
  '--no-default-browser-check',
  '--no-pings',
  '--password-store=basic',
  '--disable-quic',
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  // Chromium sends loopback requests around any proxy unless told otherwise; they must be checked too.
  '--proxy-bypass-list=<-loopback>',
]

export interface CapabilityInputs {
  config: ResolvedBrowser
  proxyPort: number
  /** A fresh profile directory, removed when the session closes. */
  userDataDir: string
}

export function isChromium(browserName: string): boolean {
  return ['chrome', 'chromium', 'googlechrome', 'msedge', 'microsoftedge'].includes(browserName.toLowerCase().replace(/\s+/g, ''))
}

/** The W3C capabilities for a session whose HTTP(S) traffic all goes through the filtering proxy. */
export function browserCapabilities({ config, proxyPort, userDataDir }: CapabilityInputs): WebdriverIO.Capabilities {
  const proxy = `127.0.0.1:${proxyPort}`
  const capabilities: WebdriverIO.Capabilities = {
    browserName: config.browserName,
    // Classic WebDriver: BiDi would open a second connection and is not needed.
    'wdio:enforceWebDriverClassic': true,
    proxy: { proxyType: 'manual', httpProxy: proxy, sslProxy: proxy },
  }
  const size = `--window-size=${config.windowWidth},${config.windowHeight}`
  if (isChromium(config.browserName)) {
    const headless = config.headless ? ['--headless=new'] : []
    capabilities['goog:chromeOptions'] = {
      ...(config.binary ? { binary: config.binary } : {}),
      args: [...headless, ...CHROMIUM_ARGS, size, `--user-data-dir=${userDataDir}`, ...config.args],
    }
  } else if (config.browserName.toLowerCase() === 'firefox') {
    capabilities['moz:firefoxOptions'] = {
      ...(config.binary ? { binary: config.binary } : {}),
      args: [...(config.headless ? ['-headless'] : []), '-profile', userDataDir, ...config.args],
      // Firefox, too, sends loopback around the proxy unless allowed to proxy it.
      prefs: { 'network.proxy.allow_hijacking_localhost': true, 'media.peerconnection.enabled': false },
    }
  }
  return capabilities
}
