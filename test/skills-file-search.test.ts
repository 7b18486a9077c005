import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { skillContext } from './support/skill-context.js'
import { after, describe, test } from 'node:test'
import { createManifestAjv } from '../src/engine/manifest/ajv-options.js'
import type { ResolvedSkillSettings } from '../src/engine/manifest/generated/manifest-types.js'
import { SkillError, type SkillContext } from '../src/engine/skills/contract.js'
import { clipLine, fileSearchSkill, globToRegExp, MAX_LINE_CHARS, MAX_REGEX_LENGTH, REGEX_FILE_BUDGET_MS } from '../src/engine/skills/builtins/file-search.js'

const base = realpathSync(mkdtempSync(join(tmpdir(), 'agentor-skills-search-')))
after(() => rmSync(base, { recursive: true, force: true }))

const ws = join(base, 'ws')
const outside = join(base, 'outside')
mkdirSync(join(ws, 'src/nested'), { recursive: true })
mkdirSync(join(ws, 'docs'))
mkdirSync(join(ws, 'node_modules/pkg'), { recursive: true })
mkdirSync(join(ws, '.git'))
mkdirSync(outside)

writeFileSync(join(ws, 'src/app.ts'), 'import x from "y"\nconst Needle = 1\nexport const needle = Needle + 1\n')
writeFileSync(join(ws, 'src/nested/deep.ts'), 'function findNeedle() {}\r\n// TODO needle here\r\n')
writeFileSync(join(ws, 'src/util.js'), 'let needle = "js"\n')
writeFileSync(join(ws, 'docs/readme.md'), '# Docs\nThe needle is in the haystack.\nprice: $1.50 (a+b)\n')
writeFileSync(join(ws, 'node_modules/pkg/index.js'), 'needle in a dependency\n')
writeFileSync(join(ws, '.git/config'), 'needle in git\n')
writeFileSync(join(ws, 'blob.bin'), Buffer.concat([Buffer.from('needle'), Buffer.from([0, 1, 2, 3])]))
writeFileSync(join(ws, 'long-line.txt'), 'x'.repeat(1000) + 'needle' + 'y'.repeat(1000) + '\n')
writeFileSync(join(outside, 'secret.txt'), 'needle TOP SECRET\n')
writeFileSync(join(outside, 'other.txt'), 'needle outside\n')
symlinkSync(outside, join(ws, 'escape-dir'))
symlinkSync(join(outside, 'secret.txt'), join(ws, 'escape-file.txt'))

function settings(files: Partial<ResolvedSkillSettings['files']> = {}): ResolvedSkillSettings {
  return {
    files: { maxReadBytes: 1024 * 1024, maxWriteBytes: 10 * 1024 * 1024, ...files },
    shell: { timeoutSeconds: 30, maxOutputBytes: 50000, deny: [] },
    http: { timeoutSeconds: 30, maxBytes: 5 * 1024 * 1024, maxRedirects: 5 },
  }
}

function context(workspace = ws, files: Partial<ResolvedSkillSettings['files']> = {}, signal = new AbortController().signal): SkillContext {
  return skillContext(workspace, { settings: settings(files), signal, sessionId: 'test', artifactDir: join(base, 'artifacts') })
}

async function search(args: Record<string, unknown>, ctx = context()): Promise<string> {
  const result = await fileSearchSkill.invoke(args, ctx)
  return typeof result === 'string' ? result : result.content
}

/** The `path:line: text` lines of a result, without notes. */
function hits(output: string): string[] {
  return output.split('\n').filter((line) => !line.startsWith('['))
}

async function refused(args: Record<string, unknown>, pattern: RegExp, ctx = context()): Promise<void> {
  await assert.rejects(fileSearchSkill.invoke(args, ctx), (error: unknown) => {
    assert.ok(error instanceof SkillError, `expected SkillError, got ${String(error)}`)
    assert.match(error.message, pattern)
    if (!String(args.path ?? '').includes(base)) assert.ok(!error.message.includes(base), `message leaks a host path: ${error.message}`)
    return true
  })
}

describe('file_search', () => {
  test('schema compiles under strict ajv', () => {
    const validate = createManifestAjv().compile(fileSearchSkill.parameters)
    assert.equal(fileSearchSkill.risk, 'low')
    assert.equal(validate({ pattern: 'x', regex: true, path: 'src', glob: '*.ts', caseSensitive: false, maxResults: 5, names: true }), true)
    assert.equal(validate({ pattern: 'x', unexpected: 1 }), false)
    assert.equal(validate({ pattern: '' }), false)
    assert.equal(validate({}), false)
  })

  test('literal search: sorted path:line: text, skipping .git, node_modules, binary files and symlinks', async () => {
    const output = await search({ pattern: 'needle' })
    assert.deepEqual(hits(output), [
      'docs/readme.md:2: The needle is in the haystack.',
      `long-line.txt:1: …${'x'.repeat(40)}needle${'y'.repeat(MAX_LINE_CHARS - 48)}…`,
      'src/app.ts:3: export const needle = Needle + 1',
      'src/nested/deep.ts:2: // TODO needle here',
      'src/util.js:1: let needle = "js"',
    ])
    assert.match(output, /^\[skipped: 1 binary file, 2 symbolic links \(not followed\)\]$/m)
    assert.ok(!output.includes('TOP SECRET') && !output.includes('outside') && !output.includes('dependency') && !output.includes('in git'))
    // Regex metacharacters in a literal pattern are plain text.
    assert.deepEqual(hits(await search({ pattern: '$1.50 (a+b)' })), ['docs/readme.md:3: price: $1.50 (a+b)'])
    assert.match(await search({ pattern: 'nothing-like-this' }), /^no matches for "nothing-like-this" in '\.' \(\d+ files searched\)/)
  })

  test('case sensitivity', async () => {
    assert.deepEqual(hits(await search({ pattern: 'Needle', path: 'src' })), ['src/app.ts:2: const Needle = 1', 'src/app.ts:3: export const needle = Needle + 1', 'src/nested/deep.ts:1: function findNeedle() {}'])
    const insensitive = hits(await search({ pattern: 'NEEDLE', path: 'src', caseSensitive: false }))
    assert.deepEqual(insensitive, ['src/app.ts:2: const Needle = 1', 'src/app.ts:3: export const needle = Needle + 1', 'src/nested/deep.ts:1: function findNeedle() {}', 'src/nested/deep.ts:2: // TODO needle here', 'src/util.js:1: let needle = "js"'])
    assert.match(await search({ pattern: 'NEEDLE', path: 'src' }), /^no matches/)
  })

  test('regex search', async () => {
    assert.deepEqual(hits(await search({ pattern: '^(const|export) \\w+', regex: true })), ['src/app.ts:2: const Needle = 1', 'src/app.ts:3: export const needle = Needle + 1'])
    assert.deepEqual(hits(await search({ pattern: 'find\\w+\\(\\)', regex: true, path: 'src/nested' })), ['src/nested/deep.ts:1: function findNeedle() {}'])
    assert.deepEqual(hits(await search({ pattern: 'here$', regex: true })), ['src/nested/deep.ts:2: // TODO needle here'], 'CRLF line ends do not defeat $')
    assert.deepEqual(hits(await search({ pattern: 'NEEDLE\\s=', regex: true, caseSensitive: false })), ['src/app.ts:2: const Needle = 1', 'src/app.ts:3: export const needle = Needle + 1', 'src/util.js:1: let needle = "js"'])
    await refused({ pattern: '(unclosed', regex: true }, /invalid regex/)
    await refused({ pattern: 'a'.repeat(MAX_REGEX_LENGTH + 1), regex: true }, /limit is 500/)
  })

  test('glob filter and file names', async () => {
    assert.deepEqual(hits(await search({ pattern: 'needle', glob: '*.ts' })), ['src/app.ts:3: export const needle = Needle + 1', 'src/nested/deep.ts:2: // TODO needle here'])
    assert.deepEqual(hits(await search({ pattern: 'needle', glob: '*.{js,md}' })), ['docs/readme.md:2: The needle is in the haystack.', 'src/util.js:1: let needle = "js"'])
    assert.deepEqual(hits(await search({ pattern: 'needle', glob: 'src/*.ts' })), ['src/app.ts:3: export const needle = Needle + 1'])
    assert.deepEqual(hits(await search({ pattern: 'needle', glob: 'src/**/*.ts' })), ['src/app.ts:3: export const needle = Needle + 1', 'src/nested/deep.ts:2: // TODO needle here'])
    assert.deepEqual(hits(await search({ pattern: 'deep', names: true })), ['src/nested/deep.ts: [path matches]'])
    assert.equal(globToRegExp('*.ts').test('a.ts'), true)
    assert.equal(globToRegExp('*.ts').test('a/b.ts'), false)
    assert.equal(globToRegExp('file?.[!x]s').test('file1.ts'), true)
    assert.equal(globToRegExp('file?.[!x]s').test('file1.xs'), false)
    assert.equal(globToRegExp('a+b(1).txt').test('a+b(1).txt'), true)
    assert.throws(() => globToRegExp('*.{ts'), SkillError)
  })

  test('maxResults caps the output and says so', async () => {
    const dir = join(ws, 'many')
    mkdirSync(dir)
    writeFileSync(join(dir, 'a.txt'), Array.from({ length: 30 }, (_, index) => `hit ${index}`).join('\n'))
    writeFileSync(join(dir, 'b.txt'), 'hit b\n')
    const capped = await search({ pattern: 'hit', path: 'many', maxResults: 5 })
    assert.deepEqual(hits(capped), ['many/a.txt:1: hit 0', 'many/a.txt:2: hit 1', 'many/a.txt:3: hit 2', 'many/a.txt:4: hit 3', 'many/a.txt:5: hit 4'])
    assert.match(capped, /\[results capped at 5; more matches exist/)
    const exact = await search({ pattern: 'hit', path: 'many', maxResults: 31 })
    assert.equal(hits(exact).length, 31)
    assert.ok(!exact.includes('capped'), 'no cap note when everything fits')
    const defaulted = await search({ pattern: 'hit', path: 'many/a.txt' })
    assert.equal(hits(defaulted).length, 30)
    rmSync(dir, { recursive: true })
  })

  test('symlinks are not followed; paths outside the workspace are refused', async () => {
    const output = await search({ pattern: 'TOP SECRET' })
    assert.match(output, /^no matches/)
    assert.ok(!output.includes('secret.txt'))
    await refused({ pattern: 'needle', path: '..' }, /outside the workspace/)
    await refused({ pattern: 'needle', path: '../outside' }, /outside the workspace/)
    await refused({ pattern: 'needle', path: 'escape-dir' }, /resolves outside the workspace/)
    await refused({ pattern: 'needle', path: outside }, /outside the workspace/)
    await refused({ pattern: 'needle', path: 'missing-dir' }, /^not found: 'missing-dir'$/)
  })

  test('binary and oversized files are skipped', async () => {
    assert.match(await search({ pattern: 'needle', path: 'blob.bin' }), /^no matches[^\n]*\n\[skipped: 1 binary file\]$/)
    const small = await search({ pattern: 'needle', path: 'docs' }, context(ws, { maxReadBytes: 20 }))
    assert.match(small, /^no matches/)
    assert.match(small, /\[skipped: 1 file over 20 bytes\]/)
  })

  test('a catastrophic regex is stopped quickly instead of hanging the run', async () => {
    const dir = join(ws, 'redos')
    mkdirSync(dir)
    const evil = 'a'.repeat(40) + '!'
    writeFileSync(join(dir, 'one.txt'), `${evil}\n`)
    writeFileSync(join(dir, 'two.txt'), `fine line aaa\n${evil}\n`)
    writeFileSync(join(dir, 'three.txt'), `${evil}\n`)
    writeFileSync(join(dir, 'zz-after.txt'), 'never reached\n')
    const started = Date.now()
    const output = await search({ pattern: '(a+)+$', regex: true, path: 'redos' })
    const elapsed = Date.now() - started
    assert.ok(elapsed < REGEX_FILE_BUDGET_MS * 3 + 4000, `took ${elapsed} ms`)
    assert.match(output, /regex ran longer than 1000 ms and was stopped on 'redos\/one\.txt', 'redos\/three\.txt', 'redos\/two\.txt'; search abandoned/)

    // One slow file does not spoil the rest of the search.
    writeFileSync(join(dir, 'two.txt'), 'aaa\n')
    rmSync(join(dir, 'three.txt'))
    const partial = await search({ pattern: '^(a+)+$', regex: true, path: 'redos' })
    assert.deepEqual(hits(partial), ['redos/two.txt:1: aaa'])
    assert.match(partial, /stopped on 'redos\/one\.txt' — simplify/)
    rmSync(dir, { recursive: true })
  })

  test('an aborted run stops the search', async () => {
    const controller = new AbortController()
    controller.abort()
    await refused({ pattern: 'needle' }, /aborted/, context(ws, {}, controller.signal))
    await refused({ pattern: 'needle', regex: true }, /aborted/, context(ws, {}, controller.signal))
  })

  test('clipLine keeps the match in view', () => {
    assert.equal(clipLine('short', 0), 'short')
    const clipped = clipLine('a'.repeat(500), 0)
    assert.equal(clipped.length, MAX_LINE_CHARS)
    assert.ok(clipped.endsWith('…'))
    const tail = clipLine('a'.repeat(500) + 'END', 500)
    assert.equal(tail.length, MAX_LINE_CHARS)
    assert.ok(tail.startsWith('…') && tail.endsWith('END'))
    const middle = clipLine('a'.repeat(500) + 'MID' + 'b'.repeat(500), 500)
    assert.equal(middle.length, MAX_LINE_CHARS)
    assert.ok(middle.startsWith('…' + 'a'.repeat(40) + 'MID') && middle.endsWith('b…'))
  })
})
