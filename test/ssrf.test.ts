import assert from 'node:assert/strict'
import type { LookupAddress } from 'node:dns'
import { isIP } from 'node:net'
import { describe, test } from 'node:test'
import { SkillError } from '../src/engine/skills/contract.js'
import { addressProblem, checkUrl, hostAllowed, isPublicAddress, pinnedLookup, type HostLookup } from '../src/engine/skills/guards/ssrf.js'

const PUBLIC_V4 = '93.184.215.14'
const PUBLIC_V6 = '2606:4700::1111'

function entry(address: string): LookupAddress {
  return { address, family: isIP(address.split('%')[0]!) }
}

/** A resolver answering from a table; any other name is a test failure (so no real DNS is used by accident). */
function fakeDns(table: Record<string, string[]>, calls: string[] = []): HostLookup {
  return async (hostname) => {
    calls.push(hostname)
    const answer = table[hostname]
    if (!answer) {
      const error: NodeJS.ErrnoException = new Error(`fake DNS has no entry for ${hostname}`)
      error.code = 'ENOTFOUND'
      throw error
    }
    return answer.map(entry)
  }
}

async function refused(url: string, options: Parameters<typeof checkUrl>[1], pattern?: RegExp): Promise<string> {
  let message = ''
  await assert.rejects(checkUrl(url, options), (error: unknown) => {
    assert.ok(error instanceof SkillError, `expected SkillError for ${url}, got ${String(error)}`)
    message = error.message
    return true
  }, `expected ${url} to be refused`)
  if (pattern) assert.match(message, pattern, `reason for ${url}`)
  return message
}

/** Every non-public address, by range. Each is refused as the answer of a DNS lookup and, where it is one, as a URL literal. */
const BLOCKED_ADDRESSES: [address: string, reason: RegExp][] = [
  ['0.0.0.0', /this network/],
  ['0.1.2.3', /this network/],
  ['10.0.0.1', /private, 10\.0\.0\.0\/8/],
  ['10.255.255.255', /private/],
  ['100.64.0.1', /carrier-grade NAT/],
  ['100.127.255.254', /carrier-grade NAT/],
  ['127.0.0.1', /loopback/],
  ['127.255.255.254', /loopback/],
  ['169.254.0.1', /link-local/],
  ['169.254.169.254', /cloud metadata/],
  ['172.16.0.1', /private, 172\.16\.0\.0\/12/],
  ['172.31.255.255', /private/],
  ['192.0.0.8', /IETF protocol/],
  ['192.0.2.1', /documentation TEST-NET-1/],
  ['192.88.99.1', /6to4 relay/],
  ['192.168.1.1', /private, 192\.168\.0\.0\/16/],
  ['198.18.0.1', /benchmarking/],
  ['198.19.255.255', /benchmarking/],
  ['198.51.100.7', /TEST-NET-2/],
  ['203.0.113.9', /TEST-NET-3/],
  ['224.0.0.1', /multicast/],
  ['239.255.255.250', /multicast/],
  ['240.0.0.1', /reserved/],
  ['255.255.255.255', /broadcast/],
  ['::', /unspecified/],
  ['::1', /loopback, ::1/],
  ['fc00::1', /unique local/],
  ['fd00::1', /unique local/],
  ['fd12:3456:789a::1', /unique local/],
  ['fe80::1', /link-local/],
  ['fe80::1%eth0', /link-local/],
  ['febf:ffff::1', /link-local/],
  ['fec0::1', /site-local/],
  ['ff02::1', /multicast/],
  ['ff0e::101', /multicast/],
  ['::ffff:127.0.0.1', /IPv4-mapped, embeds 127\.0\.0\.1: loopback/],
  ['::ffff:7f00:1', /IPv4-mapped, embeds 127\.0\.0\.1/],
  ['::ffff:10.1.2.3', /IPv4-mapped, embeds 10\.1\.2\.3: private/],
  ['::ffff:169.254.169.254', /IPv4-mapped.*cloud metadata/],
  ['0:0:0:0:0:ffff:c0a8:0101', /IPv4-mapped, embeds 192\.168\.1\.1/],
  ['64:ff9b::7f00:1', /NAT64, embeds 127\.0\.0\.1/],
  ['64:ff9b::a9fe:a9fe', /NAT64, embeds 169\.254\.169\.254/],
  ['64:ff9b:1::1', /local-use NAT64/],
  ['::7f00:1', /IPv4-compatible/],
  ['2001:db8::1', /documentation, 2001:db8::\/32/],
  ['2001:db8:ffff::1', /documentation/],
  ['100::1', /discard-only/],
  ['2002:7f00:1::1', /6to4, embeds 127\.0\.0\.1/],
  ['2002:c0a8:101::1', /6to4, embeds 192\.168\.1\.1/],
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', /Teredo client, embeds 127\.0\.0\.1/],
  ['2001:0:a00:1::1', /Teredo server, embeds 10\.0\.0\.1/],
  ['4000::1', /not global unicast/],
]

/** URLs refused before or after DNS, with the reason each must give. */
const BLOCKED_URLS: [url: string, reason: RegExp][] = [
  ['http://127.0.0.1/', /loopback/],
  ['http://2130706433/', /refused 127\.0\.0\.1: .*loopback/],
  ['http://0x7f000001/', /refused 127\.0\.0\.1/],
  ['http://017700000001/', /refused 127\.0\.0\.1/],
  ['http://0177.0.0.1/', /refused 127\.0\.0\.1/],
  ['http://0x7f.0.0.1/', /refused 127\.0\.0\.1/],
  ['http://0x7f.1/', /refused 127\.0\.0\.1/],
  ['http://127.1/', /refused 127\.0\.0\.1/],
  ['http://127.0.0.1./', /refused 127\.0\.0\.1/],
  ['http://%31%32%37.0.0.1/', /refused 127\.0\.0\.1/],
  ['http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/', /refused 127\.0\.0\.1/],
  ['http://0/', /refused 0\.0\.0\.0: .*this network/],
  ['http://0.0.0.0/', /this network/],
  ['http://[::]/', /unspecified/],
  ['http://[::1]/', /refused \[::1\]: .*loopback/],
  ['http://[0:0:0:0:0:0:0:1]:8080/', /loopback/],
  ['http://[::ffff:127.0.0.1]/', /IPv4-mapped, embeds 127\.0\.0\.1/],
  ['http://[::ffff:7f00:1]/', /IPv4-mapped, embeds 127\.0\.0\.1/],
  ['http://[0:0:0:0:0:ffff:127.0.0.1]/', /IPv4-mapped, embeds 127\.0\.0\.1/],
  ['http://[fd00::1]/', /unique local/],
  ['http://[fe80::1]/', /link-local/],
  ['http://[64:ff9b::10.0.0.1]/', /NAT64, embeds 10\.0\.0\.1/],
  ['http://169.254.169.254/latest/meta-data/', /cloud metadata/],
  ['https://169.254.169.254/computeMetadata/v1/', /cloud metadata/],
  ['http://0xa9fea9fe/', /cloud metadata/],
  ['http://metadata.google.internal/computeMetadata/v1/', /cloud metadata host name/],
  ['http://METADATA.GOOGLE.INTERNAL./', /cloud metadata host name/],
  ['http://metadata/', /cloud metadata host name/],
  ['http://instance-data/latest/', /cloud metadata host name/],
  ['http://db.corp.internal/', /internal host name/],
  ['http://100.64.0.1/', /carrier-grade NAT/],
  ['http://10.0.0.1:8080/admin', /private/],
  ['http://192.168.0.1/', /private/],
  ['http://172.16.5.4/', /private/],
  ['http://foo.localhost/', /loopback host name/],
  ['ftp://example.com/', /scheme 'ftp' is not allowed/],
  ['file:///etc/passwd', /scheme 'file' is not allowed/],
  ['gopher://example.com:70/_GET%20/', /scheme 'gopher' is not allowed/],
  ['javascript:alert(1)', /scheme 'javascript' is not allowed/],
  ['data:text/plain,hello', /scheme 'data' is not allowed/],
  ['ws://example.com/', /scheme 'ws' is not allowed/],
  ['http://user:pass@example.com/', /credentials/],
  ['http://user@example.com/', /credentials/],
  ['https://:secret@example.com/', /credentials/],
  ['not a url', /invalid URL/],
  ['http://evil.test/', /evil\.test: it resolves to 127\.0\.0\.1, not a public address \(loopback/],
  ['http://mixed.test/', /mixed\.test: it resolves to 10\.0\.0\.1/],
  ['http://mixed6.test/', /mixed6\.test: it resolves to fd00::1/],
  ['http://mapped.test/', /it resolves to ::ffff:127\.0\.0\.1/],
  ['http://nxdomain.test/', /could not resolve host 'nxdomain\.test' \(ENOTFOUND\)/],
]

const DNS: Record<string, string[]> = {
  'evil.test': ['127.0.0.1'],
  'mixed.test': [PUBLIC_V4, '10.0.0.1'],
  'mixed6.test': [PUBLIC_V6, PUBLIC_V4, 'fd00::1'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'example.com': [PUBLIC_V4],
  'foo.localhost': [PUBLIC_V4],
  'public.test': [PUBLIC_V4, PUBLIC_V6],
}

describe('SSRF guard: refused', () => {
  test('the corpus is large enough', () => {
    assert.ok(BLOCKED_ADDRESSES.length + BLOCKED_URLS.length >= 35, `${BLOCKED_ADDRESSES.length + BLOCKED_URLS.length} cases`)
  })

  for (const [address, reason] of BLOCKED_ADDRESSES) {
    test(`address ${address}`, async () => {
      assert.match(addressProblem(address) ?? '', reason)
      assert.equal(isPublicAddress(address), false)
      // As a DNS answer, alone and next to a public address.
      await refused('http://evil.test/', { lookup: fakeDns({ 'evil.test': [address] }) }, /it resolves to/)
      await refused('http://evil.test/', { lookup: fakeDns({ 'evil.test': [PUBLIC_V4, PUBLIC_V6, address] }) }, /it resolves to/)
      // As a URL literal (not for zone ids, which URLs cannot carry).
      if (!address.includes('%')) {
        const literal = isIP(address) === 6 ? `[${address}]` : address
        const calls: string[] = []
        await refused(`http://${literal}/`, { lookup: fakeDns({}, calls) }, /not a public address/)
        assert.deepEqual(calls, [], 'an IP literal is not looked up')
      }
    })
  }

  for (const [url, reason] of BLOCKED_URLS) {
    test(`url ${url}`, async () => {
      await refused(url, { lookup: fakeDns(DNS) }, reason)
    })
  }

  test('localhost is refused through the real resolver (hosts file), naming the loopback address', async () => {
    const message = await refused('http://localhost:8080/', {}, /refused localhost: it resolves to (127\.\d+\.\d+\.\d+|::1), not a public address \(loopback/)
    assert.match(message, /allowHosts/)
    await refused('http://LocalHost./', {}, /loopback/)
  })

  test('localhost is refused by name even when a resolver claims it is public', async () => {
    await refused('http://localhost/', { lookup: fakeDns({ localhost: [PUBLIC_V4] }) }, /loopback host name/)
  })

  test('a name that resolves to nothing is refused', async () => {
    await refused('http://empty.test/', { lookup: async () => [] }, /no addresses/)
  })

  test('an allowlist refuses every host not on it, before any lookup', async () => {
    const calls: string[] = []
    const lookup = fakeDns(DNS, calls)
    await refused('http://public.test/', { allowHosts: ['example.com'], lookup }, /host 'public\.test' is not in skillSettings\.http\.allowHosts/)
    await refused('http://example.com.evil.test/', { allowHosts: ['example.com'], lookup }, /not in skillSettings\.http\.allowHosts/)
    await refused('http://evilexample.com/', { allowHosts: ['.example.com'], lookup }, /not in skillSettings\.http\.allowHosts/)
    await refused('http://example.com/', { allowHosts: ['.example.com'], lookup }, /not in skillSettings\.http\.allowHosts/)
    await refused('http://localhost/', { allowHosts: ['127.0.0.1'], lookup }, /not in skillSettings\.http\.allowHosts/)
    await refused('http://public.test/', { allowHosts: [], lookup }, /not in skillSettings\.http\.allowHosts/)
    assert.deepEqual(calls, [])
    // The allowlist does not lift the scheme and credential rules.
    await refused('ftp://example.com/', { allowHosts: ['example.com'], lookup }, /scheme/)
    await refused('http://u:p@example.com/', { allowHosts: ['example.com'], lookup }, /credentials/)
  })
})

describe('SSRF guard: allowed', () => {
  test('public IPv4 and IPv6 answers pass, with the addresses returned for pinning (no network used)', async () => {
    const calls: string[] = []
    const checked = await checkUrl('https://Public.Test./path?q=1', { lookup: fakeDns(DNS, calls) })
    assert.deepEqual(calls, ['public.test'])
    assert.equal(checked.host, 'public.test')
    assert.equal(checked.allowlisted, false)
    assert.equal(checked.url.pathname, '/path')
    assert.deepEqual(checked.addresses, [{ address: PUBLIC_V4, family: 4 }, { address: PUBLIC_V6, family: 6 }])
  })

  test('public IP literals pass without a lookup', async () => {
    const lookup = fakeDns({})
    for (const [url, address] of [
      [`http://${PUBLIC_V4}/`, PUBLIC_V4],
      [`http://[${PUBLIC_V6}]:8443/`, PUBLIC_V6],
      ['http://8.8.8.8/', '8.8.8.8'],
      ['http://[2001:4860:4860::8888]/', '2001:4860:4860::8888'],
      ['http://134744072/', '8.8.8.8'],
    ] as const) {
      const checked = await checkUrl(url, { lookup })
      assert.deepEqual(checked.addresses, [{ address, family: isIP(address) }], url)
    }
  })

  test('addresses next to the blocked ranges are public', () => {
    for (const address of [
      '9.255.255.255', '11.0.0.0', '100.63.255.255', '100.128.0.0', '126.255.255.255', '128.0.0.0', '169.253.255.255', '169.255.0.0',
      '172.15.255.255', '172.32.0.0', '192.0.1.0', '192.167.255.255', '192.169.0.0', '198.17.255.255', '198.20.0.0', '223.255.255.255',
      '8.8.8.8', PUBLIC_V4, PUBLIC_V6, '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', '2a00:1450:4001::1',
    ]) {
      assert.equal(addressProblem(address), undefined, address)
    }
  })

  test('an allowlist admits a private host on purpose (localhost through the real resolver)', async () => {
    const checked = await checkUrl('http://localhost:1234/', { allowHosts: ['localhost'] })
    assert.equal(checked.allowlisted, true)
    assert.ok(checked.addresses.length > 0)
    assert.ok(checked.addresses.every((a) => addressProblem(a.address)?.includes('loopback')), JSON.stringify(checked.addresses))
  })

  test('allowlist entries match exact hosts and, with a leading dot, subdomains; IP forms and IDNA are normalised', async () => {
    const lookup = fakeDns({ 'api.example.com': ['10.0.0.5'], 'a.b.example.com': [PUBLIC_V4], 'xn--bcher-kva.example': ['192.168.1.9'] })
    assert.equal((await checkUrl('http://api.example.com/', { allowHosts: ['.example.com'], lookup })).allowlisted, true)
    assert.equal((await checkUrl('http://a.b.example.com/', { allowHosts: ['.EXAMPLE.com.'], lookup })).allowlisted, true)
    assert.equal((await checkUrl('http://2130706433/', { allowHosts: ['127.0.0.1'], lookup })).allowlisted, true)
    assert.equal((await checkUrl('http://[::1]/', { allowHosts: ['[::1]'], lookup })).allowlisted, true)
    assert.equal((await checkUrl('http://[::1]/', { allowHosts: ['0:0::1'], lookup })).allowlisted, true)
    assert.equal((await checkUrl('http://bücher.example/', { allowHosts: ['xn--bcher-kva.example'], lookup })).allowlisted, true)
    assert.equal((await checkUrl('http://xn--bcher-kva.example/', { allowHosts: ['Bücher.example'], lookup })).allowlisted, true)
    assert.equal(hostAllowed('example.com', ['.example.com']), false)
    assert.equal(hostAllowed('x.example.com', ['example.com']), false)
    assert.equal(hostAllowed('anything', ['', '.']), false)
  })
})

describe('pinnedLookup', () => {
  const checked = { host: 'public.test', addresses: [entry(PUBLIC_V4), entry(PUBLIC_V6)] }
  const ask = (hostname: string, options: object): Promise<{ error: NodeJS.ErrnoException | null; address: unknown; family?: number }> =>
    new Promise((resolve) => pinnedLookup(checked)(hostname, options, (error, address, family) => resolve({ error, address, family })))

  test('answers only with the checked addresses, in both callback forms', async () => {
    assert.deepEqual((await ask('public.test', { all: true })).address, checked.addresses)
    assert.deepEqual(await ask('PUBLIC.test.', {}), { error: null, address: PUBLIC_V4, family: 4 })
    assert.deepEqual((await ask('public.test', { family: 6, all: true })).address, [entry(PUBLIC_V6)])
    assert.deepEqual((await ask('public.test', { family: 'IPv6' })).address, PUBLIC_V6)
  })

  test('refuses any other host, and a family it has no checked address for', async () => {
    assert.equal((await ask('127.0.0.1', { all: true })).error?.code, 'ERR_SSRF_UNCHECKED_HOST')
    assert.equal((await ask('other.test', {})).error?.code, 'ERR_SSRF_UNCHECKED_HOST')
    const v4only = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      pinnedLookup({ host: 'a.test', addresses: [entry(PUBLIC_V4)] })('a.test', { family: 6 }, (error) => resolve(error)))
    assert.equal(v4only?.code, 'ENOTFOUND')
  })
})
