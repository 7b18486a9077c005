import assert from 'node:assert/strict'
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { createManifestAjv } from '../src/engine/manifest/ajv-options.js'
import { SkillError, type Skill, type SkillContext } from '../src/engine/skills/contract.js'
import { BUILTIN_SKILL_LOADERS } from '../src/engine/skills/builtins/index.js'
import { fileReadSkill } from '../src/engine/skills/builtins/file-read.js'
import { fileWriteSkill } from '../src/engine/skills/builtins/file-write.js'
import { listDirSkill } from '../src/engine/skills/builtins/list-dir.js'
import { resolveInWorkspace } from '../src/engine/skills/guards/workspace-path.js'
import { defaultSkillSettings, skillContext } from './support/skill-context.js'
import { resolvedManifest } from './support/schema-defaults.js'
import type { ResolvedSkillSettings } from '../src/engine/manifest/generated/manifest-types.js'

const base = realpathSync(mkdtempSync(join(tmpdir(), 'agentor-skills-files-')))
after(() => rmSync(base, { recursive: true, force: true }))

const ws = join(base, 'ws')
const outside = join(base, 'outside')
mkdirSync(ws)
mkdirSync(outside)
writeFileSync(join(outside, 'secret.txt'), 'TOP SECRET')

function context(workspace = ws, files: Partial<ResolvedSkillSettings['files']> = {}): SkillContext {
  const defaults = defaultSkillSettings()
  return skillContext(workspace, { settings: { ...defaults, files: { ...defaults.files, ...files } } })
}

async function call(skill: Skill, args: Record<string, unknown>, ctx = context()): Promise<string> {
  const result = await skill.invoke(args, ctx)
  return typeof result === 'string' ? result : result.content
}

/** Asserts the call is refused with a SkillError that does not leak the host path of the temp dir (unless the request itself named it). */
async function refused(skill: Skill, args: Record<string, unknown>, pattern?: RegExp, ctx = context()): Promise<string> {
  let message = ''
  await assert.rejects(call(skill, args, ctx), (error: unknown) => {
    assert.ok(error instanceof SkillError, `expected SkillError, got ${String(error)}`)
    message = error.message
    return true
  })
  if (pattern) assert.match(message, pattern)
  if (!String(args.path ?? '').includes(base)) assert.ok(!message.includes(base), `message leaks a host path: ${message}`)
  assert.ok(!message.includes('TOP SECRET'))
  return message
}

/** Every path under `dir`, for before/after comparisons. */
function tree(dir: string): string[] {
  const found: string[] = []
  const visit = (current: string, prefix: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const rel = prefix + entry.name
      const full = join(current, entry.name)
      if (entry.isSymbolicLink()) found.push(`${rel} -> ${readlinkSync(full)}`)
      else if (entry.isDirectory()) { found.push(`${rel}/`); visit(full, `${rel}/`) }
      else found.push(`${rel} (${statSync(full).size}) ${readFileSync(full, 'utf8').slice(0, 40)}`)
    }
  }
  visit(dir, '')
  return found
}

describe('builtin skill definitions', () => {
  test('every builtin loads under its name, and its schema is valid draft-07 and compiles under strict ajv', async () => {
    assert.deepEqual(Object.keys(BUILTIN_SKILL_LOADERS).sort(), ['artifact_store', 'browser', 'docker_shell', 'file_read', 'file_search', 'file_write', 'http_fetch', 'human_approval', 'list_dir', 'shell', 'task_status'])
    const ajv = createManifestAjv()
    const builtins = Object.fromEntries(await Promise.all(Object.entries(BUILTIN_SKILL_LOADERS).map(async ([name, load]) => [name, await load({ manifest: resolvedManifest({ sandbox: { docker: { image: 'agentor/busybox:1' } } }), baseDir: tmpdir() })] as const)))
    for (const [name, skill] of Object.entries(builtins)) {
      assert.equal(skill.name, name)
      assert.ok(skill.description.length > 10)
      const validate = ajv.compile(skill.parameters)
      assert.equal(validate({ unexpected: 1 }), false, `${name} must reject unknown arguments`)
    }
    assert.equal(builtins.file_read!.risk, 'low')
    assert.equal(builtins.file_write!.risk, 'medium')
    assert.equal(builtins.list_dir!.risk, 'low')
    assert.equal(builtins.shell!.risk, 'high')
  })
})

describe('file_read', () => {
  const dir = join(ws, 'read')
  mkdirSync(dir)
  writeFileSync(join(dir, 'hello.txt'), 'hello\nworld\n')
  const long = 'abcdefghij'.repeat(512) + 'xyz' // 5123 bytes
  writeFileSync(join(dir, 'long.txt'), long)
  writeFileSync(join(dir, 'empty.txt'), '')

  test('reads a text file', async () => {
    assert.equal(await call(fileReadSkill, { path: 'read/hello.txt' }), 'hello\nworld\n')
    assert.equal(await call(fileReadSkill, { path: './read/../read/hello.txt' }), 'hello\nworld\n')
    assert.equal(await call(fileReadSkill, { path: join(ws, 'read/hello.txt') }), 'hello\nworld\n', 'absolute paths inside the workspace are fine')
    assert.equal(await call(fileReadSkill, { path: 'read/empty.txt' }), '[empty file]')
  })

  test('truncates at maxBytes and at the configured limit, and says so', async () => {
    const head = await call(fileReadSkill, { path: 'read/long.txt', maxBytes: 400 })
    assert.ok(head.startsWith(long.slice(0, 400) + '\n'))
    assert.match(head, /\[truncated: showing 400 of 5123 bytes \(bytes 0-400\); read on with offset=400\]$/)

    const next = await call(fileReadSkill, { path: 'read/long.txt', offset: 400, maxBytes: 400 })
    assert.ok(next.startsWith(long.slice(400, 800) + '\n'))
    assert.match(next, /showing 400 of 5123 bytes \(bytes 400-800\)/)

    const tail = await call(fileReadSkill, { path: 'read/long.txt', offset: 5120 })
    assert.ok(tail.startsWith('xyz\n'))
    assert.match(tail, /showing 3 of 5123 bytes \(bytes 5120-5123\)\]$/)

    const capped = await call(fileReadSkill, { path: 'read/long.txt', maxBytes: 4000 }, context(ws, { maxReadBytes: 1000 }))
    assert.match(capped, /\[truncated: showing 1000 of 5123 bytes/)
    assert.equal(await call(fileReadSkill, { path: 'read/long.txt' }), long)
    assert.match(await call(fileReadSkill, { path: 'read/long.txt', offset: 9999 }), /past the end/)
  })

  test('truncation never cuts a UTF-8 character in half', async () => {
    writeFileSync(join(dir, 'accents.txt'), 'é'.repeat(1000)) // 2000 bytes
    const text = await call(fileReadSkill, { path: 'read/accents.txt', maxBytes: 401 })
    assert.ok(text.startsWith('é'.repeat(200) + '\n'))
    assert.ok(!text.includes('\uFFFD'))
    assert.match(text, /showing 400 of 2000 bytes/)
    const mid = await call(fileReadSkill, { path: 'read/accents.txt', offset: 1, maxBytes: 10 })
    assert.ok(!mid.includes('\uFFFD'))
    assert.ok(mid.startsWith('éééé\n'))
  })

  test('binary files are reported, not dumped', async () => {
    writeFileSync(join(dir, 'nul.bin'), Buffer.from([0x68, 0x69, 0x00, 0x01, 0x02]))
    assert.equal(await call(fileReadSkill, { path: 'read/nul.bin' }), "binary file, 5 bytes: 'read/nul.bin' (not shown)")
    const latin1 = Buffer.from('caf\xe9 cr\xe8me', 'latin1')
    writeFileSync(join(dir, 'latin1.txt'), latin1)
    assert.match(await call(fileReadSkill, { path: 'read/latin1.txt' }), new RegExp(`^binary file, ${latin1.length} bytes`))
    // A NUL after the first 8 KiB is not looked for; a character straddling the 8 KiB mark is still text.
    const straddle = Buffer.concat([Buffer.from('a'.repeat(8191)), Buffer.from('é'), Buffer.from('b')])
    writeFileSync(join(dir, 'straddle.txt'), straddle)
    assert.equal(await call(fileReadSkill, { path: 'read/straddle.txt' }), 'a'.repeat(8191) + 'éb')
  })

  test('directories and missing files are errors naming the relative path', async () => {
    await refused(fileReadSkill, { path: 'read' }, /'read' is a directory/)
    await refused(fileReadSkill, { path: 'read/nope/missing.txt' }, /^not found: 'read\/nope\/missing\.txt'$/)
    await refused(fileReadSkill, { path: 'read/hello.txt/child' }, /not a directory/)
  })
})

describe('file_write', () => {
  test('creates, replaces and appends, reporting bytes and the relative path', async () => {
    assert.equal(await call(fileWriteSkill, { path: 'w/one.txt', content: 'héllo', createDirs: true }), "wrote 6 bytes to 'w/one.txt'")
    assert.equal(readFileSync(join(ws, 'w/one.txt'), 'utf8'), 'héllo')
    assert.equal(await call(fileWriteSkill, { path: 'w/one.txt', content: 'bye' }), "wrote 3 bytes to 'w/one.txt'")
    assert.equal(readFileSync(join(ws, 'w/one.txt'), 'utf8'), 'bye')
    assert.equal(await call(fileWriteSkill, { path: 'w/one.txt', content: '!\n', append: true }), "appended 2 bytes to 'w/one.txt'")
    assert.equal(readFileSync(join(ws, 'w/one.txt'), 'utf8'), 'bye!\n')
    assert.equal(await call(fileWriteSkill, { path: 'w/new-by-append.txt', content: 'x', append: true }), "appended 1 bytes to 'w/new-by-append.txt'")
    assert.equal(await call(fileWriteSkill, { path: 'w/empty.txt', content: '' }), "wrote 0 bytes to 'w/empty.txt'")
    assert.equal(readFileSync(join(ws, 'w/empty.txt'), 'utf8'), '')
  })

  test('missing parents need createDirs; directories cannot be overwritten; size is capped', async () => {
    await refused(fileWriteSkill, { path: 'w2/deep/x.txt', content: 'x' }, /directory 'w2\/deep' does not exist; pass createDirs: true/)
    assert.equal(existsSync(join(ws, 'w2')), false)
    assert.equal(await call(fileWriteSkill, { path: 'w2/deep/x.txt', content: 'x', createDirs: true }), "wrote 1 bytes to 'w2/deep/x.txt'")
    assert.equal(readFileSync(join(ws, 'w2/deep/x.txt'), 'utf8'), 'x')
    await refused(fileWriteSkill, { path: 'w2/deep', content: 'x' }, /'w2\/deep' is a directory/)
    await refused(fileWriteSkill, { path: 'w2/deep/x.txt/y', content: 'x', createDirs: true }, /not a directory/)
    await refused(fileWriteSkill, { path: 'w2/big.txt', content: 'x'.repeat(101) }, /101 bytes, over the 100-byte write limit/, context(ws, { maxWriteBytes: 100 }))
    assert.equal(existsSync(join(ws, 'w2/big.txt')), false)
    assert.equal(await call(fileWriteSkill, { path: 'w2/ok.txt', content: 'x'.repeat(100) }, context(ws, { maxWriteBytes: 100 })), "wrote 100 bytes to 'w2/ok.txt'")
  })

  test('replacing is atomic: a new inode is renamed into place, no temp files remain, mode is kept', async () => {
    const file = join(ws, 'atomic.txt')
    writeFileSync(file, 'old content')
    chmodSync(file, 0o640)
    linkSync(file, join(ws, 'atomic-hardlink.txt'))
    const before = statSync(file).ino
    await call(fileWriteSkill, { path: 'atomic.txt', content: 'new content' })
    assert.equal(readFileSync(file, 'utf8'), 'new content')
    assert.notEqual(statSync(file).ino, before, 'the file was replaced, not rewritten in place')
    assert.equal(readFileSync(join(ws, 'atomic-hardlink.txt'), 'utf8'), 'old content', 'the old inode was never truncated')
    assert.equal(statSync(file).mode & 0o777, 0o640)
    assert.deepEqual(readdirSync(ws).filter((name) => name.endsWith('.tmp')), [])
  })

  test('writing through a symlink inside the workspace updates its target and keeps the link', async () => {
    writeFileSync(join(ws, 'link-target.txt'), 'before')
    symlinkSync('link-target.txt', join(ws, 'inside-link.txt'))
    assert.equal(await call(fileWriteSkill, { path: 'inside-link.txt', content: 'after' }), "wrote 5 bytes to 'link-target.txt'")
    assert.equal(readFileSync(join(ws, 'link-target.txt'), 'utf8'), 'after')
    assert.ok(lstatSync(join(ws, 'inside-link.txt')).isSymbolicLink())
  })
})

describe('list_dir', () => {
  const root = join(base, 'list-ws')
  mkdirSync(join(root, 'b-dir/nested'), { recursive: true })
  writeFileSync(join(root, 'a.txt'), 'a')
  writeFileSync(join(root, 'C.txt'), 'c')
  writeFileSync(join(root, 'b-dir/inner.txt'), 'i')
  writeFileSync(join(root, 'b-dir/nested/deep.txt'), 'd')
  symlinkSync(outside, join(root, 'z-out'))
  symlinkSync('b-dir', join(root, 'y-in'))
  mkdirSync(join(root, 'empty'))
  const ctx = context(root)

  test('lists sorted entries with / for directories and -> for symlinks', async () => {
    assert.equal(await call(listDirSkill, {}, ctx), ['C.txt', 'a.txt', 'b-dir/', 'empty/', 'y-in -> b-dir', `z-out -> ${outside}`].join('\n'))
    assert.equal(await call(listDirSkill, { path: 'b-dir' }, ctx), 'inner.txt\nnested/')
    assert.equal(await call(listDirSkill, { path: 'empty' }, ctx), "[empty directory: 'empty']")
    assert.equal(await call(listDirSkill, { path: 'y-in' }, ctx), 'inner.txt\nnested/', 'a symlink inside the workspace may be listed')
  })

  test('recursive listing does not follow symlinks', async () => {
    assert.equal(await call(listDirSkill, { recursive: true }, ctx), [
      'C.txt', 'a.txt', 'b-dir/', 'b-dir/inner.txt', 'b-dir/nested/', 'b-dir/nested/deep.txt', 'empty/', 'y-in -> b-dir', `z-out -> ${outside}`,
    ].join('\n'))
  })

  test('caps the number of entries with a note', async () => {
    const many = join(root, 'many')
    mkdirSync(many)
    for (let i = 0; i < 520; i++) writeFileSync(join(many, `f${String(i).padStart(3, '0')}`), '')
    const listed = (await call(listDirSkill, { path: 'many' }, ctx)).split('\n')
    assert.equal(listed.length, 501)
    assert.equal(listed[499], 'f499')
    assert.match(listed[500]!, /^\[listing capped at 500 entries; more not shown\]$/)
    const few = (await call(listDirSkill, { path: 'many', maxEntries: 3 }, ctx)).split('\n')
    assert.deepEqual(few.slice(0, 3), ['f000', 'f001', 'f002'])
    assert.match(few[3]!, /capped at 3 entries/)
    const recursive = (await call(listDirSkill, { recursive: true, maxEntries: 5 }, ctx)).split('\n')
    assert.equal(recursive.length, 6)
    assert.match(recursive[5]!, /capped at 5 entries; more not shown — list a subdirectory or raise maxEntries/)
    assert.equal((await call(listDirSkill, { path: 'b-dir', maxEntries: 2 }, ctx)), 'inner.txt\nnested/', 'exactly at the cap is not capped')
  })

  test('files and missing paths are errors', async () => {
    await refused(listDirSkill, { path: 'a.txt' }, /'a\.txt' is not a directory/, ctx)
    await refused(listDirSkill, { path: 'missing' }, /not found: 'missing'/, ctx)
  })
})

describe('workspace confinement: hostile paths', () => {
  // Fixtures: symlinks that point out of the workspace in every way we can think of.
  mkdirSync(join(ws, 'sub/inner'), { recursive: true })
  writeFileSync(join(ws, 'sub/ok.txt'), 'inside')
  symlinkSync('/etc', join(ws, 'etc-link'))
  symlinkSync(outside, join(ws, 'out-dir'))
  symlinkSync('../outside', join(ws, 'out-dir-rel'))
  symlinkSync('chain-b', join(ws, 'chain-a'))
  symlinkSync('sub/chain-c', join(ws, 'chain-b'))
  symlinkSync(join(outside, 'secret.txt'), join(ws, 'sub/chain-c'))
  symlinkSync(join(outside, 'planted.txt'), join(ws, 'dangling'))
  symlinkSync('../outside/planted-rel.txt', join(ws, 'dangling-rel'))
  symlinkSync('dangling', join(ws, 'dangling-chain'))
  symlinkSync(join(outside, 'made-dir'), join(ws, 'dangling-dir'))
  symlinkSync('..', join(ws, 'parent-link'))
  symlinkSync(base, join(ws, 'abs-parent-link'))
  symlinkSync('../../../outside', join(ws, 'sub/inner/up-out'))
  symlinkSync('loop-b', join(ws, 'loop-a'))
  symlinkSync('loop-a', join(ws, 'loop-b'))
  symlinkSync('../sub', join(ws, 'sub/self-ish')) // stays inside

  const outsideBefore = tree(outside)
  const etcMarker = `/etc/agentor-escape-test-${process.pid}`

  after(() => {
    rmSync(etcMarker, { force: true })
  })

  test('the outside directory and /etc are untouched after all hostile calls', { concurrency: false }, async (t) => {
    const readEscapes: [string, RegExp][] = [
      ['../outside/secret.txt', /outside the workspace/],
      ['a/../../outside/secret.txt', /outside the workspace/],
      ['sub/./../../outside/secret.txt', /outside the workspace/],
      ['./../outside/secret.txt', /outside the workspace/],
      ['sub/inner/../../../outside/secret.txt', /outside the workspace/],
      ['/etc/passwd', /outside the workspace/],
      ['//etc/passwd', /outside the workspace/],
      ['/', /outside the workspace/],
      [join(outside, 'secret.txt'), /outside the workspace/],
      [`${ws}/../outside/secret.txt`, /outside the workspace/],
      ['etc-link/passwd', /resolves outside the workspace/],
      ['etc-link', /resolves outside the workspace/],
      ['out-dir/secret.txt', /resolves outside the workspace/],
      ['out-dir-rel/secret.txt', /resolves outside the workspace/],
      ['chain-a', /resolves outside the workspace/],
      ['parent-link/outside/secret.txt', /resolves outside the workspace/],
      ['abs-parent-link/outside/secret.txt', /resolves outside the workspace/],
      ['sub/inner/up-out/secret.txt', /resolves outside the workspace/],
      ['dangling', /resolves outside the workspace/],
      ['dangling-chain', /resolves outside the workspace/],
      ['loop-a', /too many levels of symbolic links/],
      ['sub/ok.txt\0.png', /NUL byte/],
      ['a/'.repeat(3000) + 'x', /path too long/],
      ['x'.repeat(300), /too long/],
      // `out-dir/..` is normalised textually to the workspace itself, so this names ws/outside/secret.txt (absent), never the real secret.
      ['out-dir/../outside/secret.txt', /^not found: 'outside\/secret\.txt'$/],
      ['~/.ssh/id_rsa', /^not found: '~\/\.ssh\/id_rsa'$/],
      ['file:///etc/passwd', /^not found: 'file:\/etc\/passwd'$/],
    ]
    for (const [path, pattern] of readEscapes) {
      await t.test(`file_read refuses ${JSON.stringify(path.slice(0, 60))}`, async () => {
        await refused(fileReadSkill, { path }, pattern)
      })
    }

    const listEscapes = ['..', 'sub/../..', '../outside', '../outside/', 'etc-link', 'out-dir', 'out-dir-rel', 'parent-link', 'abs-parent-link', 'sub/inner/up-out', '/tmp', base]
    for (const path of listEscapes) {
      await t.test(`list_dir refuses ${JSON.stringify(path)}`, async () => {
        await refused(listDirSkill, { path, recursive: true }, /outside the workspace/)
      })
    }

    const writeEscapes: [Record<string, unknown>, RegExp][] = [
      [{ path: '../outside/planted.txt' }, /outside the workspace/],
      [{ path: 'sub/../../outside/planted.txt' }, /outside the workspace/],
      [{ path: join(outside, 'planted.txt') }, /outside the workspace/],
      [{ path: etcMarker }, /outside the workspace/],
      [{ path: `etc-link/${etcMarker.slice(5)}` }, /resolves outside the workspace/],
      [{ path: 'out-dir/planted.txt' }, /resolves outside the workspace/],
      [{ path: 'out-dir/secret.txt' }, /resolves outside the workspace/],
      [{ path: 'out-dir/secret.txt', append: true }, /resolves outside the workspace/],
      [{ path: 'out-dir-rel/planted.txt' }, /resolves outside the workspace/],
      [{ path: 'out-dir/new-dir/planted.txt', createDirs: true }, /resolves outside the workspace/],
      [{ path: 'dangling' }, /resolves outside the workspace/],
      [{ path: 'dangling', append: true }, /resolves outside the workspace/],
      [{ path: 'dangling-rel' }, /resolves outside the workspace/],
      [{ path: 'dangling-chain' }, /resolves outside the workspace/],
      [{ path: 'dangling-dir/planted.txt', createDirs: true }, /resolves outside the workspace/],
      [{ path: 'chain-a' }, /resolves outside the workspace/],
      [{ path: 'parent-link/outside/planted.txt' }, /resolves outside the workspace/],
      [{ path: 'parent-link/planted.txt' }, /resolves outside the workspace/],
      [{ path: 'sub/inner/up-out/planted.txt', createDirs: true }, /resolves outside the workspace/],
      [{ path: 'loop-a' }, /too many levels of symbolic links/],
      [{ path: 'planted\0.txt' }, /NUL byte/],
      [{ path: '..' }, /outside the workspace/],
      [{ path: 'a/'.repeat(3000) + 'x', createDirs: true }, /path too long/],
    ]
    for (const [args, pattern] of writeEscapes) {
      await t.test(`file_write refuses ${JSON.stringify(String(args.path).slice(0, 60))}${args.createDirs ? ' with createDirs' : ''}${args.append ? ' (append)' : ''}`, async () => {
        await refused(fileWriteSkill, { content: 'PWNED', ...args }, pattern)
      })
    }

    await t.test('nothing was created or changed outside the workspace', () => {
      assert.deepEqual(tree(outside), outsideBefore)
      assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'TOP SECRET')
      assert.equal(existsSync(join(outside, 'planted.txt')), false)
      assert.equal(existsSync(join(outside, 'made-dir')), false)
      assert.equal(existsSync(join(base, 'planted.txt')), false)
      assert.equal(existsSync(etcMarker), false)
      assert.deepEqual(readdirSync(base).sort(), ['list-ws', 'outside', 'ws'])
      assert.ok(lstatSync(join(ws, 'dangling')).isSymbolicLink(), 'the dangling symlink was not replaced either')
    })
  })

  test('harmless look-alikes stay inside the workspace', async () => {
    // A backslash is an ordinary filename character on Linux.
    assert.equal(await call(fileWriteSkill, { path: '..\\..\\x', content: 'win' }), "wrote 3 bytes to '..\\..\\x'")
    assert.equal(readFileSync(join(ws, '..\\..\\x'), 'utf8'), 'win')
    assert.equal(existsSync(join(base, 'x')), false)
    assert.equal(await call(fileReadSkill, { path: '..\\..\\x' }), 'win')

    // `~` is not expanded: this is a directory named `~` inside the workspace.
    assert.equal(await call(fileWriteSkill, { path: '~/.ssh/id_rsa', content: 'key', createDirs: true }), "wrote 3 bytes to '~/.ssh/id_rsa'")
    assert.equal(readFileSync(join(ws, '~/.ssh/id_rsa'), 'utf8'), 'key')

    assert.equal(await call(fileWriteSkill, { path: '%2e%2e/x', content: 'enc', createDirs: true }), "wrote 3 bytes to '%2e%2e/x'")
    assert.ok(existsSync(join(ws, '%2e%2e/x')))
    assert.equal(await call(fileWriteSkill, { path: '\u2025/x', content: 'dots', createDirs: true }), "wrote 4 bytes to '\u2025/x'")
    assert.ok(existsSync(join(ws, '\u2025/x')))

    // `dir/..` combinations that end inside are fine.
    assert.equal(await call(fileWriteSkill, { path: 'sub/inner/../../sub/./dotdot.txt', content: 'dd' }), "wrote 2 bytes to 'sub/dotdot.txt'")
    assert.equal(readFileSync(join(ws, 'sub/dotdot.txt'), 'utf8'), 'dd')
    // `out-dir/..` is textual: it names the workspace, so this writes ws/inside-via-dotdot.txt, not base/.
    assert.equal(await call(fileWriteSkill, { path: 'out-dir/../inside-via-dotdot.txt', content: 'x' }), "wrote 1 bytes to 'inside-via-dotdot.txt'")
    assert.ok(existsSync(join(ws, 'inside-via-dotdot.txt')))
    assert.equal(existsSync(join(base, 'inside-via-dotdot.txt')), false)
    // A symlink that stays inside is followed.
    assert.equal(await call(fileReadSkill, { path: 'sub/self-ish/ok.txt' }), 'inside')
    assert.equal(await call(listDirSkill, { path: '.', maxEntries: 1 }).then((text) => text.split('\n').length), 2)
    assert.equal(await call(listDirSkill, { path: ws }).then((text) => text.includes('sub/')), true)
  })

  test('resolveInWorkspace returns the real path and checks the nearest existing ancestor', async () => {
    assert.equal(await resolveInWorkspace(ws, 'sub/self-ish/ok.txt', { mustExist: true }), join(ws, 'sub/ok.txt'))
    assert.equal(await resolveInWorkspace(ws, 'sub/new/deeper/file.txt', { forWrite: true }), join(ws, 'sub/new/deeper/file.txt'))
    assert.equal(existsSync(join(ws, 'sub/new')), false, 'no directories are created without createDirs')
    assert.equal(await resolveInWorkspace(ws, '.', { mustExist: true }), ws)
    await assert.rejects(resolveInWorkspace(ws, 'out-dir/new/deeper/file.txt', { forWrite: true, createDirs: true }), SkillError)
    assert.equal(existsSync(join(outside, 'new')), false)
  })
})
