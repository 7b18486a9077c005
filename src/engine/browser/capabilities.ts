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
  '--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter,Translate,CertificateTransparencyComponentUpdater,NetworkTimeServiceQuerying',
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
}

export function isChromium(browserName: string): boolean {
  return ['chrome', 'chromium', 'googlechrome', 'msedge', 'microsoftedge'].includes(browserName.toLowerCase().replace(/\s+/g, ''))
}

/**
 * The W3C capabilities for a session whose HTTP(S) traffic all goes through the filtering proxy. The profile is a
 * fresh temporary one the driver makes and deletes (chromedriver's also loads the first page about twice as fast
 * as an empty `--user-data-dir`: it is prepared).
 */
export function browserCapabilities({ config, proxyPort }: CapabilityInputs): WebdriverIO.Capabilities {
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
      args: [...headless, ...CHROMIUM_ARGS, size, ...config.args],
    }
  } else if (config.browserName.toLowerCase() === 'firefox') {
    capabilities['moz:firefoxOptions'] = {
      ...(config.binary ? { binary: config.binary } : {}),
      args: [...(config.headless ? ['-headless'] : []), ...config.args],
      // Firefox, too, sends loopback around the proxy unless allowed to proxy it.
      prefs: { 'network.proxy.allow_hijacking_localhost': true, 'media.peerconnection.enabled': false },
    }
  }
  return capabilities
}
