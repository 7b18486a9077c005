import { promises as dns, type LookupAddress } from 'node:dns'
import { BlockList, isIP, isIPv4, isIPv6, type LookupFunction } from 'node:net'
import { SkillError } from '../contract.js'

export type { LookupAddress } from 'node:dns'

/** Resolves a host name to every address it has (as `dns.promises.lookup(host, { all: true, verbatim: true })`). Injectable for tests. */
export type HostLookup = (hostname: string) => Promise<LookupAddress[]>

export interface CheckUrlOptions {
  /**
   * `skillSettings.http.allowHosts`: when set, only these hosts may be fetched. An entry is an exact host
   * (`api.example.com`, `127.0.0.1`, `[::1]`) or `.example.com`, which admits every subdomain of example.com
   * (not example.com itself). An allowlisted host skips the private-address check: listing a private host
   * admits it on purpose.
   */
  allowHosts?: readonly string[]
  /** The manifest key `allowHosts` comes from, named in refusals (default `skillSettings.http.allowHosts`). */
  allowHostsKey?: string
  lookup?: HostLookup
}

export interface CheckedUrl {
  /** The parsed URL (WHATWG-normalised: IP literals in canonical form, host lowercased and IDNA-encoded). */
  url: URL
  /** Normalised host: no brackets around IPv6, no trailing dot. */
  host: string
  /** The addresses that were checked. Connect only to these (see `pinnedLookup`), never resolve the host again. */
  addresses: LookupAddress[]
  /** True when the host was admitted by `allowHosts` (and so skipped the private-address check). */
  allowlisted: boolean
}

/** The real resolver: every address, in the order the system returns them. */
export const systemLookup: HostLookup = (hostname) => dns.lookup(hostname, { all: true, verbatim: true })

// ---------------------------------------------------------------------------------------------------------------
// Address classification

interface Range {
  list: BlockList
  label: string
}

function range(network: string, prefix: number, type: 'ipv4' | 'ipv6', label: string): Range {
  const list = new BlockList()
  list.addSubnet(network, prefix, type)
  return { list, label: `${label}, ${network}/${prefix}` }
}

/** IPv4 ranges that are not publicly routable. The first match names the reason, so narrower ranges come first. */
const IPV4_BLOCKED: readonly Range[] = [
  range('0.0.0.0', 8, 'ipv4', '"this network"'),
  range('10.0.0.0', 8, 'ipv4', 'private'),
  range('100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'),
  range('127.0.0.0', 8, 'ipv4', 'loopback'),
  range('169.254.169.254', 32, 'ipv4', 'cloud metadata'),
  range('169.254.0.0', 16, 'ipv4', 'link-local'),
  range('172.16.0.0', 12, 'ipv4', 'private'),
  range('192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'),
  range('192.0.2.0', 24, 'ipv4', 'documentation TEST-NET-1'),
  range('192.88.99.0', 24, 'ipv4', '6to4 relay anycast'),
  range('192.168.0.0', 16, 'ipv4', 'private'),
  range('198.18.0.0', 15, 'ipv4', 'benchmarking'),
  range('198.51.100.0', 24, 'ipv4', 'documentation TEST-NET-2'),
  range('203.0.113.0', 24, 'ipv4', 'documentation TEST-NET-3'),
  range('224.0.0.0', 4, 'ipv4', 'multicast'),
  range('255.255.255.255', 32, 'ipv4', 'broadcast'),
  range('240.0.0.0', 4, 'ipv4', 'reserved'),
]

/** IPv6 ranges refused outright (those outside 2000::/3 are refused anyway; they are listed to name the reason). */
const IPV6_BLOCKED: readonly Range[] = [
  range('::', 128, 'ipv6', 'unspecified'),
  range('::1', 128, 'ipv6', 'loopback'),
  range('::', 96, 'ipv6', 'IPv4-compatible (deprecated)'),
  range('64:ff9b:1::', 48, 'ipv6', 'local-use NAT64'),
  range('100::', 64, 'ipv6', 'discard-only'),
  range('2001:2::', 48, 'ipv6', 'benchmarking'),
  range('2001:10::', 28, 'ipv6', 'ORCHID'),
  range('2001:20::', 28, 'ipv6', 'ORCHIDv2'),
  range('2001:db8::', 32, 'ipv6', 'documentation'),
  range('3fff::', 20, 'ipv6', 'documentation'),
  range('5f00::', 16, 'ipv6', 'SRv6 SID'),
  range('fc00::', 7, 'ipv6', 'unique local'),
  range('fe80::', 10, 'ipv6', 'link-local'),
  range('fec0::', 10, 'ipv6', 'site-local (deprecated)'),
  range('ff00::', 8, 'ipv6', 'multicast'),
]

const GLOBAL_UNICAST = range('2000::', 3, 'ipv6', 'global unicast').list

/** The 16 bytes of an IPv6 address (zone id ignored), or undefined if `address` is not one. */
function ipv6Bytes(address: string): number[] | undefined {
  let text = stripZone(address)
  if (!isIPv6(text)) return undefined
  const lastColon = text.lastIndexOf(':')
  const tail = text.slice(lastColon + 1)
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number]
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = text.split('::')
  const head = halves[0] ? halves[0].split(':') : []
  const rest = halves.length > 1 && halves[1] ? halves[1].split(':') : []
  const groups = halves.length > 1 ? [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest] : head
  if (groups.length !== 8) return undefined
  const bytes: number[] = []
  for (const group of groups) {
    const value = Number.parseInt(group, 16)
    bytes.push(value >> 8, value & 0xff)
  }
  return bytes
}

function stripZone(address: string): string {
  const zone = address.indexOf('%')
  return zone === -1 ? address : address.slice(0, zone)
}

function v4At(bytes: number[], offset: number, mask = 0): string {
  return bytes.slice(offset, offset + 4).map((byte) => (byte ^ mask) & 0xff).join('.')
}

function startsWith(bytes: number[], prefix: number[]): boolean {
  return prefix.every((byte, index) => bytes[index] === byte)
}

const MAPPED_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]
const NAT64_PREFIX = [0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0]

/**
 * Why `address` (an IPv4 or IPv6 literal, optionally with a zone id) must not be fetched: a short description such
 * as "loopback, 127.0.0.0/8", or undefined when it is a public address. Anything unparseable is refused.
 */
export function addressProblem(address: string): string | undefined {
  const bare = stripZone(address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address)
  if (isIPv4(bare)) return IPV4_BLOCKED.find((entry) => entry.list.check(bare, 'ipv4'))?.label
  const bytes = ipv6Bytes(bare)
  if (!bytes) return 'not an IP address'

  // Addresses that carry an IPv4 address: judged by the IPv4 address they lead to.
  if (startsWith(bytes, MAPPED_PREFIX)) return embedded('IPv4-mapped', v4At(bytes, 12))
  if (startsWith(bytes, NAT64_PREFIX)) return embedded('NAT64', v4At(bytes, 12))

  const blocked = IPV6_BLOCKED.find((entry) => entry.list.check(bare, 'ipv6'))
  if (blocked) return blocked.label
  if (!GLOBAL_UNICAST.check(bare, 'ipv6')) return 'not global unicast, outside 2000::/3'

  if (bytes[0] === 0x20 && bytes[1] === 0x02) return embedded('6to4', v4At(bytes, 2))
  if (startsWith(bytes, [0x20, 0x01, 0, 0])) {
    // Teredo: server IPv4 in bytes 4-7, client IPv4 (bit-inverted) in bytes 12-15.
    return embedded('Teredo server', v4At(bytes, 4)) ?? embedded('Teredo client', v4At(bytes, 12, 0xff))
  }
  return undefined
}

function embedded(kind: string, v4: string): string | undefined {
  const problem = addressProblem(v4)
  return problem === undefined ? undefined : `${kind}, embeds ${v4}: ${problem}`
}

/** True when `address` is a publicly routable IP address. */
export function isPublicAddress(address: string): boolean {
  return addressProblem(address) === undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Host names

/** Host names of cloud metadata services (refused by name even before DNS is asked). */
const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'metadata.azure.internal',
  'instance-data',
  'instance-data.ec2.internal',
  'metadata.tencentyun.com',
  'metadata.platformequinix.com',
])

/** Lowercase, no brackets around an IPv6 literal, no trailing dots. */
export function normaliseHost(hostname: string): string {
  let host = hostname.toLowerCase()
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1)
  return host.replace(/\.+$/, '')
}

/** A metadata or internal host name, refused without asking DNS. */
function internalNameProblem(host: string): string | undefined {
  if (METADATA_HOSTS.has(host)) return 'a cloud metadata host name'
  if (host.endsWith('.internal')) return 'an internal host name (.internal)'
  return undefined
}

/** `localhost` and its subdomains are loopback whatever DNS says (RFC 6761). */
function isLocalhostName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost')
}

/** An allowlist entry in the form `checkUrl` compares hosts in (IP literals canonical, names IDNA-encoded). */
function normaliseEntry(entry: string): string {
  const trimmed = entry.trim()
  const subdomains = trimmed.startsWith('.')
  const raw = normaliseHost(subdomains ? trimmed.slice(1) : trimmed)
  let canonical = raw
  try {
    canonical = normaliseHost(new URL(`http://${isIPv6(raw) ? `[${raw}]` : raw}/`).hostname)
  } catch {
    // Not a valid host: kept as written, so it matches nothing a URL can name.
  }
  return subdomains ? `.${canonical}` : canonical
}

/** True when `host` (normalised) is admitted by `allowHosts`: an exact entry, or a subdomain of a `.domain` entry. */
export function hostAllowed(host: string, allowHosts: readonly string[]): boolean {
  return allowHosts.some((entry) => {
    const wanted = normaliseEntry(entry)
    if (wanted === '' || wanted === '.') return false
    return wanted.startsWith('.') ? host.endsWith(wanted) && host.length > wanted.length : host === wanted
  })
}

// ---------------------------------------------------------------------------------------------------------------
// The guard


/**
 * The SSRF guard. Parses `input`, refuses anything but a plain http(s) URL to a public host, resolves the host and
 * refuses it if ANY address is not public (loopback, private, link-local, metadata, CGNAT, ULA, multicast, reserved,
 * documentation, IPv4-mapped/NAT64/6to4/Teredo forms of those). With `allowHosts`, the host must be listed, and a
 * listed host skips the address check. Throws SkillError with the reason.
 *
 * The caller must connect only to the returned `addresses` (e.g. with `pinnedLookup`), or a second DNS answer
 * could point somewhere else (DNS rebinding).
 */
export async function checkUrl(input: string | URL, options: CheckUrlOptions = {}): Promise<CheckedUrl> {
  const text = String(input)
  let url: URL
  try {
    url = new URL(text)
  } catch {
    throw new SkillError(`invalid URL: ${JSON.stringify(text.slice(0, 200))}`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SkillError(`URL scheme '${url.protocol.slice(0, -1)}' is not allowed; only http and https URLs can be fetched`)
  }
  if (url.username !== '' || url.password !== '') throw new SkillError('URLs with credentials (user:password@) are not allowed; send an Authorization header instead')
  const host = normaliseHost(url.hostname)
  if (host === '') throw new SkillError(`URL has no host: ${url.href}`)
  const allowHostsKey = options.allowHostsKey ?? 'skillSettings.http.allowHosts'
  const admitHint = `list the host in ${allowHostsKey} to admit it on purpose`

  const allowlisted = options.allowHosts !== undefined && hostAllowed(host, options.allowHosts)
  if (options.allowHosts !== undefined && !allowlisted) {
    throw new SkillError(`host '${host}' is not in ${allowHostsKey}`)
  }

  const shown = isIPv6(host) ? `[${host}]` : host
  if (!allowlisted) {
    const nameProblem = internalNameProblem(host)
    if (nameProblem) throw new SkillError(`refused ${shown}: ${nameProblem}; ${admitHint}`)
  }

  const addresses = await resolve(host, options.lookup ?? systemLookup)
  if (!allowlisted) {
    for (const { address } of addresses) {
      const problem = addressProblem(address)
      if (problem === undefined) continue
      const where = isIP(host) ? '' : ` it resolves to ${address},`
      throw new SkillError(`refused ${shown}:${where} not a public address (${problem}); ${admitHint}`)
    }
    // Checked after the addresses, so the usual message says where localhost leads; refused even if DNS says otherwise.
    if (isLocalhostName(host)) throw new SkillError(`refused ${shown}: a loopback host name (localhost); ${admitHint}`)
  }
  return { url, host, addresses, allowlisted }
}

async function resolve(host: string, lookup: HostLookup): Promise<LookupAddress[]> {
  const family = isIP(host)
  if (family !== 0) return [{ address: host, family }]
  let found: LookupAddress[]
  try {
    found = await lookup(host)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new SkillError(`could not resolve host '${host}'${code ? ` (${code})` : ''}`)
  }
  if (found.length === 0) throw new SkillError(`could not resolve host '${host}' (no addresses)`)
  return found.map(({ address, family: version }) => ({ address, family: version || isIP(stripZone(address)) }))
}

/**
 * A `lookup` for `net.connect`/`tls.connect` (e.g. undici's `Agent({ connect: { lookup } })`) that answers only
 * `host`, and only with the addresses `checkUrl` approved. It never asks DNS, so a rebinding answer cannot slip in.
 */
export function pinnedLookup(checked: Pick<CheckedUrl, 'host' | 'addresses'>): LookupFunction {
  return (hostname, options, callback) => {
    if (normaliseHost(hostname) !== checked.host) {
      const error: NodeJS.ErrnoException = new Error(`SSRF guard: connection to unchecked host '${hostname}' refused`)
      error.code = 'ERR_SSRF_UNCHECKED_HOST'
      process.nextTick(() => callback(error, ''))
      return
    }
    const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0)
    const addresses = checked.addresses.filter((entry) => family === 0 || entry.family === family)
    if (addresses.length === 0) {
      const error: NodeJS.ErrnoException = new Error(`no checked IPv${family} address for '${hostname}'`)
      error.code = 'ENOTFOUND'
      process.nextTick(() => callback(error, ''))
      return
    }
    process.nextTick(() => {
      if (options.all) callback(null, addresses.map((entry) => ({ ...entry })))
      else callback(null, addresses[0]!.address, addresses[0]!.family)
    })
  }
}
