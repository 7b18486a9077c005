import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { type IncomingHttpHeaders, createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureWasm } from '../scripts/build-wasm.mjs'
import { AgentorError } from '../src/engine/errors.js'
import { createEmbedder } from '../src/engine/memory/embedders/create.js'
import { LocalEmbedder, fnv1a } from '../src/engine/memory/embedders/local.js'
import { OpenAIEmbedder } from '../src/engine/memory/embedders/openai.js'
import { StemHashEmbedder } from '../src/engine/memory/embedders/stem-hash.js'
import { WordTable } from '../src/engine/memory/core/word-table.js'
import { MemoryStore } from '../src/engine/memory/store.js'
import { memoryConfig } from './support/schema-defaults.js'


const dot = (a: Float32Array, b: Float32Array): number => a.reduce((sum, x, i) => sum + x * b[i]!, 0)
const norm = (a: Float32Array): number => Math.sqrt(dot(a, a))

/**
 * SPEC §12's LocalEmbedding written out plainly (TextEncoder bytes, code points through
 * Array.from), plus the n-grams the embedder adds: the reference the optimised code must match.
 */
function referenceEmbedding(text: string, dim: number, gramWeight: number, n = 3): Float32Array {
  const utf8 = new TextEncoder()
  const fnv = (bytes: Iterable<number>): number => {
    let h = 0x811c9dc5
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0
    return h
  }
  const tokens = text.toLowerCase().split(/[^\p{Alphabetic}\p{N}]+/u).filter((t) => utf8.encode(t).length > 1)
  const v = new Float32Array(dim)
  if (tokens.length === 0) return v
  const counts = new Map<string, number>()
  for (const t of tokens) counts.set(t, (counts.get(t) ?? 0) + 1)
  for (const [word, count] of counts) {
    const tf = Math.fround(count / tokens.length)
    const bytes = utf8.encode(word)
    v[fnv(bytes) % dim]! += tf
    v[fnv([...bytes, 1]) % dim]! += Math.fround(Math.fround(0.7) * tf)
    v[fnv([...bytes, 2]) % dim]! += Math.fround(Math.fround(0.5) * tf)
    if (gramWeight > 0) {
      const chars = Array.from(`#${word}#`)
      const grams = Math.max(1, chars.length - n + 1)
      const weight = Math.fround(Math.fround(gramWeight / Math.sqrt(grams)) * tf)
      for (let g = 0; g < grams; g++) v[fnv([...utf8.encode(chars.slice(g, g + n).join('')), 3]) % dim]! += weight
    }
  }
  let sum = 0
  for (const x of v) sum = Math.fround(sum + Math.fround(x * x))
  const length = Math.fround(Math.sqrt(sum))
  return v.map((x) => x / length)
}

const SAMPLES = [
  'rust programming language',
  'The Rust Programming Language: rust, RUST and Rust again!',
  'Café naïve façade — déjà vu, Straße',
  'emoji 😀😀 rocket🚀 launch 2026 x1 a b',
  'Ελληνικά κείμενα και 日本語のテキスト',
]

describe('LocalEmbedder', () => {
  test('dimension: 256 by default, configurable', async () => {
    assert.equal(new LocalEmbedder().dimension, 256)
    assert.equal((await new LocalEmbedder().embed(['hello world']))[0]!.length, 256)
    assert.equal(new LocalEmbedder({ dimension: 64 }).embedText('hello world').length, 64)
    assert.equal(createEmbedder(memoryConfig({ embedder: { dimension: 512 } }).embedder).dimension, 512)
  })

  test('unit norm, and the zero vector for a text without tokens; "" is an error', () => {
    const embedder = new LocalEmbedder()
    for (const text of SAMPLES) assert.ok(Math.abs(norm(embedder.embedText(text)) - 1) < 1e-5, text)
    assert.ok(embedder.embedText('a ! ? -').every((x) => x === 0), 'single-byte tokens are dropped')
    assert.throws(() => embedder.embedText(''), /empty/)
  })

  test('deterministic across calls and instances; batches equal single texts', async () => {
    const a = new LocalEmbedder()
    const b = new LocalEmbedder()
    const batch = await a.embed(SAMPLES)
    SAMPLES.forEach((text, i) => {
      assert.deepEqual(a.embedText(text), b.embedText(text))
      assert.deepEqual(batch[i], b.embedText(text))
    })
  })

  test('"rust programming language" is closer to "rust programming systems" than to cooking text', () => {
    for (const embedder of [new LocalEmbedder(), new LocalEmbedder({ ngramWeight: 0 })]) {
      const query = embedder.embedText('rust programming language')
      const near = dot(query, embedder.embedText('rust programming systems'))
      const far = dot(query, embedder.embedText('boil the pasta and season the tomato sauce'))
      assert.ok(near > far + 0.3, `near ${near} vs far ${far}`)
    }
  })

  test('with ngramWeight 0 it is SPEC §12 bit for bit (FNV-1a 32, 1.0/0.7/0.5, float32)', () => {
    const embedder = new LocalEmbedder({ ngramWeight: 0 })
    assert.equal(embedder.id, 'local:fnv1a:256')
    for (const text of SAMPLES) assert.deepEqual(embedder.embedText(text), referenceEmbedding(text, 256, 0), text)
    // FNV-1a 32 test vectors.
    assert.equal(fnv1a('') >>> 0, 0x811c9dc5)
    assert.equal(fnv1a('a') >>> 0, 0xe40c292c)
    assert.equal(fnv1a('foobar') >>> 0, 0xbf9cf968)
  })

  test('character trigrams are added as documented (also over non-ASCII words and surrogate pairs)', () => {
    for (const [options, weight] of [[{}, 0.5], [{ ngramWeight: 0.8, dimension: 97 }, 0.8]] as const) {
      const embedder = new LocalEmbedder(options)
      for (const text of SAMPLES) assert.deepEqual(embedder.embedText(text), referenceEmbedding(text, embedder.dimension, weight), text)
    }
    assert.equal(new LocalEmbedder().id, 'local:fnv1a+3gram@0.5:256')
  })

  test('n-grams make inflections and typos similar; whole words still dominate', () => {
    const grams = new LocalEmbedder()
    const words = new LocalEmbedder({ ngramWeight: 0 })
    const similarity = (e: LocalEmbedder, a: string, b: string): number => dot(e.embedText(a), e.embedText(b))
    for (const [a, b] of [['programming', 'programmer'], ['configuration', 'configuraton'], ['deploy', 'deployment']]) {
      assert.ok(similarity(grams, a, b) > similarity(words, a, b) + 0.05, `${a} / ${b}: ${similarity(grams, a, b)} vs ${similarity(words, a, b)}`)
    }
    assert.ok(similarity(grams, 'deploy service', 'deploy service now') > similarity(grams, 'deploy service', 'deployment services'))
  })
})

describe('local embedders keep their vectors', () => {
  // A store keeps the vectors it was given and is only re-embedded when the embedder id changes, so
  // the same id must always give the same vectors, bit for bit, whatever the implementation does.
  const FIXED_TEXTS = ['Configuring the network interfaces of a Debian system', 'running runs ran runner', 'Ünïcödé wörds 𝒳𝒴 and café CAFÉ', 'the the the a an', 'GNU core utilities: ls, cp, mv and friends']
  const EXPECTED: [() => StemHashEmbedder | LocalEmbedder, string][] = [
    [() => new StemHashEmbedder(), '8b3ae992b50252f66b11e359606842cdb324d59e6cb5d202b2e484a442faa31d'],
    [() => new LocalEmbedder(), '934f957da0a5c5efdd4cfff4d934e36516cb74dce9b833b377d8fa4426599d98'],
  ]
  for (const [make, digest] of EXPECTED) {
    test(`${make().id}: the same vectors as when stores were first written with it`, async () => {
      const hash = createHash('sha256')
      for (const vector of await make().embed(FIXED_TEXTS)) hash.update(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength))
      assert.equal(hash.digest('hex'), digest)
    })
  }
})

describe('StemHashEmbedder (the default local embedder)', () => {
  const similarity = (e: StemHashEmbedder, a: string, b: string): number => dot(e.embedText(a), e.embedText(b))

  test('is what memory.embedder gives by default; features: words gives the SPEC §12 scheme', () => {
    const byDefault = createEmbedder(memoryConfig().embedder)
    assert.ok(byDefault instanceof StemHashEmbedder)
    assert.equal(byDefault.id, 'local:stems+3gram@0.6:signed:256')
    assert.equal(createEmbedder(memoryConfig({ embedder: { dimension: 64 } }).embedder).id, 'local:stems+3gram@0.6:signed:64')
    assert.equal(createEmbedder(memoryConfig({ embedder: { features: 'words' } }).embedder).id, 'local:fnv1a+3gram@0.5:256')
  })

  test('unit norm, deterministic, batches equal single texts; no features → zero vector; "" is an error', async () => {
    const embedder = new StemHashEmbedder()
    const batch = await embedder.embed(SAMPLES)
    SAMPLES.forEach((text, i) => {
      assert.ok(Math.abs(norm(batch[i]!) - 1) < 1e-5, text)
      assert.deepEqual(batch[i], new StemHashEmbedder().embedText(text))
    })
    assert.ok(embedder.embedText('the and of a').every((x) => x === 0), 'stop words and single letters carry nothing')
    assert.throws(() => embedder.embedText(''), /empty/)
  })

  test('a lexicon that starts over (its word limit reached) gives the same vectors as a fresh one', async () => {
    const texts = [...SAMPLES, ...Array.from({ length: 40 }, (_, i) => `word${i} shared words ${SAMPLES[i % SAMPLES.length]} tail${i * 7}`)]
    const restarting = new StemHashEmbedder({ lexicon: new WordTable({ limit: 16 }) })
    for (let round = 0; round < 2; round++) {
      for (const text of texts) assert.deepEqual(restarting.embedText(text), new StemHashEmbedder().embedText(text), text)
    }
  })

  test('inflections share their stem: closer than under the word scheme; stop words do not count', () => {
    const stems = new StemHashEmbedder()
    const words = new LocalEmbedder()
    for (const [a, b] of [['configuring servers', 'configured server'], ['deploy the packages', 'deploying a package']]) {
      assert.ok(similarity(stems, a, b) > 0.9, `${a} / ${b}: ${similarity(stems, a, b)}`)
      assert.ok(similarity(stems, a, b) > dot(words.embedText(a), words.embedText(b)) + 0.2)
    }
    assert.deepEqual(stems.embedText('the rust compiler'), stems.embedText('rust compiler'))
  })

  test('a query term weight shifts the query towards its heavier words', () => {
    const embedder = new StemHashEmbedder()
    const query = 'rust compiler'
    const heavyRust = embedder.embedText(query, (word) => (word === 'rust' ? 4 : 1))
    const heavyCompiler = embedder.embedText(query, (word) => (word === 'compiler' ? 4 : 1))
    const rustDoc = embedder.embedText('rust ownership and borrowing')
    assert.ok(dot(heavyRust, rustDoc) > dot(embedder.embedText(query), rustDoc) + 0.1)
    assert.ok(dot(heavyRust, rustDoc) > dot(heavyCompiler, rustDoc) + 0.2)
  })
})

// ---------------------------------------------------------------------------
// OpenAI embedder against a local server speaking the embeddings wire format

interface Call {
  body: { model: string; input: string[]; encoding_format?: string }
  headers: IncomingHttpHeaders
}

interface Reply {
  status?: number
  headers?: Record<string, string>
  body?: unknown
  delayMs?: number
}

const fakeVector = new LocalEmbedder({ dimension: 16 })

/** An embeddings answer, vectors scaled by 3 (the client normalises) and listed in reverse order (it sorts by index). */
function embeddingsReply(call: Call): Reply {
  const data = call.body.input.map((text, index) => ({ object: 'embedding', index, embedding: Array.from(fakeVector.embedText(text), (x) => x * 3) }))
  return { body: { object: 'list', data: data.reverse(), model: call.body.model, usage: { prompt_tokens: 1, total_tokens: 1 } } }
}

async function embeddingsServer(script: (call: Call, n: number) => Reply): Promise<{ url: string; calls: Call[]; close(): Promise<void> }> {
  const calls: Call[] = []
  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (chunk) => (raw += chunk))
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
        res.writeHead(404).end()
        return
      }
      const call: Call = { body: JSON.parse(raw) as Call['body'], headers: req.headers }
      calls.push(call)
      const reply = script(call, calls.length)
      setTimeout(() => {
        if (res.destroyed) return
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers })
        res.end(JSON.stringify(reply.body ?? {}))
      }, reply.delayMs ?? 0)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

const apiError = (status: number, message: string): Reply => ({ status, body: { error: { message, type: 'invalid_request_error' } } })

describe('OpenAIEmbedder (local embeddings server)', () => {
  const sleeps: number[] = []
  const retry = { maxRetries: 3, backoffBaseMs: 100, backoffMaxMs: 1000 }
  const embedder = (url: string, extra: Partial<ConstructorParameters<typeof OpenAIEmbedder>[0]> = {}): OpenAIEmbedder =>
    new OpenAIEmbedder({ model: 'text-embedding-3-small', apiKey: 'sk-test-secret-123', baseUrl: url, retry, sleep: async (ms) => { sleeps.push(ms) }, random: () => 0, ...extra })

  test('batches by batchSize, keeps input order, normalises, learns the dimension', async () => {
    const server = await embeddingsServer((call) => embeddingsReply(call))
    try {
      const client = embedder(server.url, { batchSize: 2 })
      assert.equal(client.dimension, undefined)
      const texts = ['alpha one', 'beta two', 'gamma three', 'delta four', 'epsilon five']
      const vectors = await client.embed(texts)
      assert.deepEqual(server.calls.map((call) => call.body.input), [['alpha one', 'beta two'], ['gamma three', 'delta four'], ['epsilon five']])
      assert.equal(server.calls[0]!.body.model, 'text-embedding-3-small')
      assert.equal(server.calls[0]!.body.encoding_format, 'float')
      assert.equal(server.calls[0]!.headers.authorization, 'Bearer sk-test-secret-123')
      assert.equal(client.dimension, 16)
      texts.forEach((text, i) => {
        const expected = fakeVector.embedText(text)
        assert.ok(Math.abs(norm(vectors[i]!) - 1) < 1e-6)
        assert.ok(dot(vectors[i]!, expected) > 0.9999, `vector ${i} is ${text}'s`)
      })
      assert.equal(client.id, 'openai:text-embedding-3-small')
    } finally {
      await server.close()
    }
  })

  test('retries 429 after Retry-After, and 500/503 with backoff, then succeeds', async () => {
    sleeps.length = 0
    const server = await embeddingsServer((call, n) => {
      if (n === 1) return { ...apiError(429, 'slow down'), headers: { 'retry-after': '2' } }
      if (n === 2) return apiError(500, 'oops')
      if (n === 3) return apiError(503, 'overloaded')
      return embeddingsReply(call)
    })
    try {
      const [vector] = await embedder(server.url, { retry: { maxRetries: 3, backoffBaseMs: 100, backoffMaxMs: 5000 } }).embed(['hello there'])
      assert.equal(server.calls.length, 4)
      // Retry-After: 2 s; then backoff with jitter 0: ceiling/2 for ceilings 200 and 400.
      assert.deepEqual(sleeps, [2000, 100, 200])
      assert.equal(vector!.length, 16)
    } finally {
      await server.close()
    }
  })

  test('408 and 409 are retried; Retry-After is capped by backoffMaxMs', async () => {
    sleeps.length = 0
    const server = await embeddingsServer((call, n) => (n === 1 ? { ...apiError(408, 'timeout'), headers: { 'retry-after': '60' } } : n === 2 ? apiError(409, 'conflict') : embeddingsReply(call)))
    try {
      await embedder(server.url).embed(['x y'])
      assert.equal(server.calls.length, 3)
      assert.deepEqual(sleeps, [1000, 100])
    } finally {
      await server.close()
    }
  })

  for (const [status, pattern] of [[400, /400/], [404, /404/], [422, /422/], [401, /credential problem: 401/], [403, /credential problem: 403/]] as const) {
    test(`${status} fails at once, without retrying, and never shows the key`, async () => {
      const server = await embeddingsServer(() => apiError(status, 'rejected key sk-test-secret-123'))
      try {
        await assert.rejects(embedder(server.url).embed(['x y']), (error: unknown) => {
          assert.ok(error instanceof AgentorError)
          assert.equal(error.code, 'E_EMBEDDINGS_FAILED')
          assert.match(error.message, pattern)
          assert.doesNotMatch(error.message, /sk-test-secret-123/)
          return true
        })
        assert.equal(server.calls.length, 1)
      } finally {
        await server.close()
      }
    })
  }

  test('a 500 that persists fails after maxRetries + 1 attempts', async () => {
    const server = await embeddingsServer(() => apiError(502, 'bad gateway'))
    try {
      await assert.rejects(embedder(server.url).embed(['x y']), /502.*after 4 attempts/)
      assert.equal(server.calls.length, 4)
    } finally {
      await server.close()
    }
  })

  test('timeouts and refused connections are retried', async () => {
    const slow = await embeddingsServer((call, n) => ({ ...embeddingsReply(call), delayMs: n === 1 ? 2000 : 0 }))
    try {
      const vectors = await embedder(slow.url, { timeoutMs: 200 }).embed(['late answer'])
      assert.equal(vectors.length, 1)
      assert.equal(slow.calls.length, 2)
    } finally {
      await slow.close()
    }
    const gone = await embeddingsServer(() => ({}))
    const url = gone.url
    await gone.close()
    sleeps.length = 0
    await assert.rejects(embedder(url).embed(['x y']), /connection failed.*after 4 attempts/)
    assert.equal(sleeps.length, 3)
  })

  test('a malformed answer is an error, not a retry', async () => {
    const server = await embeddingsServer((call) => ({ body: { object: 'list', data: [{ index: 0, embedding: [1, 2] }], model: call.body.model } }))
    try {
      await assert.rejects(embedder(server.url).embed(['one', 'two']), /malformed response: 1 embeddings for 2 inputs/)
      assert.equal(server.calls.length, 1)
    } finally {
      await server.close()
    }
  })

  test('an aborted call rejects with the abort, unretried', async () => {
    const server = await embeddingsServer((call) => ({ ...embeddingsReply(call), delayMs: 1000 }))
    try {
      const controller = new AbortController()
      const pending = embedder(server.url).embed(['x y'], { signal: controller.signal })
      setTimeout(() => controller.abort(), 50)
      await assert.rejects(pending, (error: unknown) => !(error instanceof AgentorError))
      assert.equal(server.calls.length, 1)
    } finally {
      await server.close()
    }
  })

  describe('as a memory store embedder', () => {
    let dir: string
    before(async () => {
      await ensureWasm()
      dir = mkdtempSync(join(tmpdir(), 'agentor-memory-openai-'))
    })
    after(() => rmSync(dir, { recursive: true, force: true }))

    test('a store on memory.embedder kind openai embeds through the server and searches', async () => {
      const server = await embeddingsServer((call) => embeddingsReply(call))
      try {
        const config = memoryConfig({ embedder: { kind: 'openai', model: 'text-embedding-3-small', apiKey: 'sk-test', baseUrl: server.url, batchSize: 2 } })
        const store = await MemoryStore.open(dir, config)
        await store.add([
          { id: 'rust', text: 'rust programming language' },
          { id: 'pasta', text: 'boil the pasta in salted water' },
          { id: 'deploy', text: 'deploy the service on friday' },
        ])
        assert.equal(server.calls.length, 2)
        const hits = await store.search('rust programming', { topK: 1, alpha: 1 })
        assert.equal(hits[0]!.id, 'rust')
        assert.equal(server.calls.length, 3, 'the query was embedded')
        assert.equal((await store.search('rust programming', { topK: 1, alpha: 0 }))[0]!.id, 'rust')
        assert.equal(server.calls.length, 3, 'a BM25-only search (alpha 0) makes no embeddings call')
        assert.equal(store.stats().embedder, 'openai:text-embedding-3-small')
        assert.equal(store.stats().dimension, 16)
        await store.close()
      } finally {
        await server.close()
      }
    })
  })
})
