import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { after, describe, test } from 'node:test'
import { MemoryStore } from '../src/engine/memory/store.js'
import { runCli, STACK_FRAME } from './support/cli.js'
import { memoryConfig } from './support/schema-defaults.js'

const dir = mkdtempSync(join(tmpdir(), 'agentor-cli-memory-'))
after(() => rmSync(dir, { recursive: true, force: true }))
const manifest = join(dir, 'agent.yaml')
writeFileSync(manifest, 'agentor: 1\nname: rememberer\nmodel: { provider: scripted, script: [{ text: hi }] }\nskills: [memory_search, memory_store]\nmemory: { vector: { index: wasm }, chunk: { size: 200, overlap: 40 } }\n')
mkdirSync(join(dir, 'notes'))
writeFileSync(join(dir, 'notes', 'deploy.md'), 'Deployments run every Tuesday. Roll back with the release script when the canary fails.\n')
writeFileSync(join(dir, 'notes', 'oncall.md'), 'The on-call engineer answers pages within fifteen minutes and writes an incident report.\n')
writeFileSync(join(dir, 'notes', 'cooking.md'), 'Simmer the tomato sauce for forty minutes and season with basil.\n')
const cli = (args: string[]) => runCli(args, { cwd: dir })

describe('agentor memory', () => {
  test('index, then search finds the right chunk; re-indexing skips unchanged files', () => {
    const indexed = cli(['memory', 'index', manifest, 'notes'])
    assert.equal(indexed.status, 0, indexed.stderr)
    assert.match(indexed.stdout, /^indexed 3 files \(3 chunks\), 0 unchanged, 0 skipped/)
    const search = cli(['memory', 'search', manifest, 'how do I roll back a failed canary', '--json'])
    assert.equal(search.status, 0, search.stderr)
    const hits = JSON.parse(search.stdout) as { id: string; metadata: { source: string } }[]
    assert.equal(hits[0]!.metadata.source, 'notes/deploy.md')
    const again = cli(['memory', 'index', manifest, 'notes'])
    assert.match(again.stdout, /^indexed 0 files \(0 chunks\), 3 unchanged/)
  })

  test('explain shows each hit\'s BM25 rank, vector rank and fused score', () => {
    const result = cli(['memory', 'explain', manifest, 'incident report pages', '-k', '2'])
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stdout, /^rank {2}bm25 {2}vector {2}fused/)
    assert.match(result.stdout, /\n {3}1 {5}1 +\d+ +0\.\d{5} {2}notes\/oncall\.md#0/)
  })

  test('stats and eval report figures', () => {
    const stats = JSON.parse(cli(['memory', 'stats', manifest, '--json']).stdout) as { documents: number; vectorIndex: string; rankingCoreBytes: number }
    assert.equal(stats.documents, 3)
    assert.match(stats.vectorIndex, /wasm/)
    assert.ok(stats.rankingCoreBytes >= 65536, 'the core has at least one WebAssembly page')
    assert.match(cli(['memory', 'stats', manifest]).stdout, /^in memory {3}ranking core \d+ bytes \(BM25 and vectors\)$/m)
    const queries = join(dir, 'queries.jsonl')
    writeFileSync(queries, `${JSON.stringify({ query: 'tomato sauce', sources: ['notes/cooking.md'] })}\n${JSON.stringify({ query: 'canary release', ids: ['notes/deploy.md#0'] })}\nnot json\n`)
    const evaluated = cli(['memory', 'eval', manifest, queries, '--k', '3', '--json'])
    assert.equal(evaluated.status, 0, evaluated.stderr)
    assert.match(evaluated.stderr, /skipped line 3/)
    const report = JSON.parse(evaluated.stdout) as { queries: number; scores: { mode: string; recallAtK: number }[] }
    assert.equal(report.queries, 2)
    assert.deepEqual(report.scores.map((score) => score.mode), ['bm25', 'vector', 'hybrid'])
    assert.equal(report.scores[0]!.recallAtK, 1)
  })

  test('gzipped files are indexed by their text; corrupt gzip and gzip bombs are skipped with the reason', () => {
    const docs = join(dir, 'gz-docs')
    mkdirSync(docs)
    writeFileSync(join(docs, 'changelog.gz'), gzipSync('The zeppelin hangar opens at dawn for maintenance crews.\n'))
    writeFileSync(join(docs, 'truncated.gz'), gzipSync('Some text that will be cut off before its end.').subarray(0, 12))
    writeFileSync(join(docs, 'bomb.gz'), gzipSync(Buffer.alloc(9 * 1024 * 1024, 'a')))
    const indexed = cli(['memory', 'index', manifest, 'gz-docs'])
    assert.equal(indexed.status, 0, indexed.stderr)
    assert.match(indexed.stdout, /^indexed 1 file \(1 chunk\), 0 unchanged, 2 skipped/)
    const output = indexed.stdout + indexed.stderr
    assert.match(output, /skipped gz-docs\/bomb\.gz: decompresses to more than 8 MiB/)
    assert.match(output, /skipped gz-docs\/truncated\.gz: corrupt gzip data/)
    const hits = JSON.parse(cli(['memory', 'search', manifest, 'zeppelin hangar', '--json']).stdout) as { id: string; text: string }[]
    assert.equal(spawnSync('mkfifo', [join(docs, 'pipe')]).status, 0)
    const fifo = cli(['memory', 'index', manifest, join('gz-docs', 'pipe')])
    assert.equal(fifo.status, 0, fifo.stderr)
    assert.match(fifo.stderr, /skipped gz-docs\/pipe: not a regular file/, 'a named pipe is reported, not read (reading it would block forever)')
    assert.equal(hits[0]!.id, 'gz-docs/changelog.gz#0')
    assert.match(hits[0]!.text, /^The zeppelin hangar opens at dawn/)
  })

  test('--prune deletes the chunks of files gone from, or now skipped under, the given paths, and nothing else', async () => {
    const synced = join(dir, 'synced')
    mkdirSync(join(synced, 'sub'), { recursive: true })
    writeFileSync(join(synced, 'alpha.md'), 'The lighthouse keeper logs every passing ship.\n')
    writeFileSync(join(synced, 'beta.md'), 'Orchard apples are pressed into cider each autumn.\n')
    writeFileSync(join(synced, 'sub', 'gamma.md'), 'Glaciers carve valleys over thousands of years.\n')
    mkdirSync(join(dir, 'globbed'))
    writeFileSync(join(dir, 'globbed', 'one.txt'), 'Falconry needs patience and leather gloves.\n')
    writeFileSync(join(dir, 'globbed', 'two.txt'), 'Beekeepers smoke the hive before opening it.\n')
    const first = cli(['memory', 'index', manifest, 'synced', 'globbed/*.txt', '--prune'])
    assert.equal(first.status, 0, first.stderr)
    assert.match(first.stdout, /^indexed 5 files \(5 chunks\), 0 unchanged, 0 skipped, 0 removed \(0 chunks\)/)
    // A document stored by other means that names a source under synced/ is never pruned.
    const store = await MemoryStore.open(join(dir, '.agentor', 'memory'), memoryConfig({ vector: { index: 'wasm' }, chunk: { size: 200, overlap: 40 } }))
    await store.add({ id: 'remembered', text: 'a note about the orchard cider', metadata: { source: 'synced/beta.md', chunk: 0, sha256: 'x' } })
    await store.close()

    unlinkSync(join(synced, 'beta.md'))
    writeFileSync(join(synced, 'sub', 'gamma.md'), Buffer.from([0, 1, 2, 3]))
    unlinkSync(join(dir, 'globbed', 'two.txt'))
    const sources = () => (JSON.parse(cli(['memory', 'search', manifest, 'orchard cider glaciers beekeepers lighthouse falconry canary', '-k', '50', '--alpha', '0', '--json']).stdout) as { id: string }[]).map((hit) => hit.id).sort()
    const withoutPrune = cli(['memory', 'index', manifest, 'synced', 'globbed/*.txt'])
    assert.match(withoutPrune.stdout, /^indexed 0 files \(0 chunks\), 2 unchanged, 1 skipped in/)
    assert.ok(sources().includes('synced/beta.md#0'), 'without --prune nothing is deleted')

    const pruned = cli(['memory', 'index', manifest, 'synced', 'globbed/*.txt', '--prune'])
    assert.equal(pruned.status, 0, pruned.stderr)
    assert.match(pruned.stdout, /^indexed 0 files \(0 chunks\), 2 unchanged, 1 skipped, 3 removed \(3 chunks\)/)
    assert.deepEqual(sources(), ['globbed/one.txt#0', 'notes/deploy.md#0', 'remembered', 'synced/alpha.md#0'])

    rmSync(synced, { recursive: true })
    const gone = cli(['memory', 'index', manifest, 'synced', '--prune'])
    assert.equal(gone.status, 0, gone.stderr)
    assert.match(gone.stderr, /nothing matches synced any more/)
    assert.match(gone.stdout, /^indexed 0 files \(0 chunks\), 0 unchanged, 0 skipped, 1 removed \(1 chunk\)/)
    assert.deepEqual(sources(), ['globbed/one.txt#0', 'notes/deploy.md#0', 'remembered'])
    assert.equal(cli(['memory', 'index', manifest, 'synced']).status, 2, 'without --prune a missing path is still a usage error')
  })

  test('help describes the memory topic and lists its commands', () => {
    const top = cli(['--help'])
    assert.equal(top.status, 0, top.stderr)
    assert.match(top.stdout, /^ {2}memory {6}Index files into the agent's memory;/m)
    const memory = cli(['memory', '--help'])
    assert.deepEqual([...memory.stdout.matchAll(/^ {2}memory (\w+) /gm)].map((match) => match[1]), ['eval', 'explain', 'index', 'search', 'stats'])
  })

  test('bad input is a usage error without a stack trace', () => {
    for (const args of [['memory', 'search', manifest, 'x', '--alpha', '2'], ['memory', 'index', manifest, 'no-such-dir'], ['memory', 'eval', manifest, 'missing.jsonl']]) {
      const result = cli(args)
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`)
      assert.doesNotMatch(result.stderr, STACK_FRAME)
    }
    // oclif's parser errors keep the part that says what is wrong.
    assert.match(cli(['memory', 'search', manifest, 'x', '-k', '0']).stderr, /^agentor: Parsing --top-k: Expected an integer greater than or equal to 1 but received: 0\nsee `agentor memory search --help`\n$/)
    assert.match(cli(['memory', 'search', manifest]).stderr, /^agentor: Missing 1 required arg: query — what to look for\n/)
  })
})
