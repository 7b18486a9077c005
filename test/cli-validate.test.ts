import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { PROJECT_ROOT, runCli, STACK_FRAME } from './support/cli.js'

const workDir = mkdtempSync(join(tmpdir(), 'agentor-cli-'))
after(() => rmSync(workDir, { recursive: true, force: true }))

const invalid = join(workDir, 'invalid.yaml')
writeFileSync(invalid, 'agentor: 1\nname: demo\nmodle:\n  provider: openai\n')
const warningOnly = join(workDir, 'warning.yaml')
writeFileSync(warningOnly, 'agentor: 1\nname: demo\nmodel:\n  provider: openai\n  name: gpt-4o-mini\n  apiKey: sk-inline\n')

describe('agentor validate', () => {
  test('exits 0 and reports every example manifest valid', () => {
    const result = runCli(['validate', 'agents/'])
    assert.equal(result.status, 0, result.stderr)
    const examples = readdirSync(join(PROJECT_ROOT, 'agents')).filter((name) => name.endsWith('.yaml')).length
    assert.match(result.stdout, new RegExp(`✔ ${examples} manifests valid`))
  })

  test('pretty output shows the location, a code frame with a caret, and the hint; exit 1', () => {
    const result = runCli(['validate', invalid])
    assert.equal(result.status, 1)
    assert.match(result.stdout, /invalid\.yaml:3:1 error unknown key `modle` E_SCHEMA_UNKNOWN_KEY at \$\.modle/)
    assert.match(result.stdout, /> 3 \| modle:\n\s+\| \^{5}\n/)
    assert.match(result.stdout, /hint: did you mean `model`\?/)
    assert.match(result.stdout, /invalid\.yaml:1:1 error the manifest is missing the required key `model`/)
    assert.match(result.stdout, /✖ 1 of 1 manifest invalid: 2 errors/)
  })

  test('json output is an array of located diagnostics', () => {
    const result = runCli(['validate', invalid, '--format', 'json'])
    assert.equal(result.status, 1)
    const diagnostics = JSON.parse(result.stdout) as Record<string, unknown>[]
    assert.deepEqual(diagnostics.map((d) => [d.code, d.line, d.column, d.path]), [
      ['E_SCHEMA_REQUIRED', 1, 1, '$'],
      ['E_SCHEMA_UNKNOWN_KEY', 3, 1, '$.modle'],
    ])
    assert.equal(diagnostics[1]!.hint, 'did you mean `model`?')
  })

  test('github output is one workflow annotation per diagnostic', () => {
    const result = runCli(['validate', invalid, '--format', 'github'])
    assert.equal(result.status, 1)
    const annotations = result.stdout.split('\n').filter((line) => line.startsWith('::'))
    assert.equal(annotations.length, 2)
    assert.match(annotations[1]!, /^::error file=.*invalid\.yaml,line=3,col=1,endLine=3,endColumn=6,title=E_SCHEMA_UNKNOWN_KEY::unknown key `modle` \(\$\.modle\)\. Hint: did you mean `model`\?$/)
  })

  test('warnings alone keep exit 0', () => {
    const result = runCli(['validate', warningOnly])
    assert.equal(result.status, 0)
    assert.match(result.stdout, /warning secret is written into the manifest W_INLINE_SECRET/)
    assert.match(result.stdout, /✔ 1 manifest valid \(1 warning\)/)
  })

  test('a directory is searched for manifests only, skipping other YAML', () => {
    const dir = join(workDir, 'tree')
    runCli(['init', 'first', '--dir', join(dir, 'nested')])
    writeFileSync(join(dir, 'docker-compose.yml'), 'services:\n  web:\n    image: nginx\n')
    const result = runCli(['validate', dir, '--format', 'json'])
    assert.equal(result.status, 0, result.stdout)
    assert.deepEqual(JSON.parse(result.stdout), [])
  })

  test('globs expand to matching files', () => {
    const result = runCli(['validate', 'agents/*-*.yaml', '--format', 'json'])
    assert.equal(result.status, 0, result.stderr)
  })

  test('usage errors exit 2 without a stack trace', () => {
    for (const args of [['validate', 'no/such/file.yaml'], ['validate', '--format', 'xml', 'agents/'], ['validate', '--nope'], ['validate', join(workDir, 'empty-dir-*')]]) {
      const result = runCli(args)
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`)
      assert.doesNotMatch(result.stderr, STACK_FRAME)
      assert.ok(result.stderr.trim().length > 0)
    }
  })

  test('binary, empty and huge inputs are reported, never crash', () => {
    const binary = join(workDir, 'binary.yaml')
    writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]))
    const empty = join(workDir, 'empty.yaml')
    writeFileSync(empty, '')
    const large = join(workDir, 'large.yaml')
    writeFileSync(large, `agentor: 1\nname: big\nmodel: { provider: scripted, script: [{ text: hi }] }\ninstructions: "${'lorem ipsum '.repeat(400_000)}"\n`)
    const bomb = join(workDir, 'bomb.yaml')
    writeFileSync(bomb, ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`)].join('\n'))
    const result = runCli(['validate', binary, empty, large, bomb, '--format', 'json'])
    assert.equal(result.status, 1, result.stderr)
    assert.doesNotMatch(result.stderr, STACK_FRAME)
    const codes = (JSON.parse(result.stdout) as { file: string; code: string }[]).map((d) => `${d.file.split('/').pop()} ${d.code}`)
    assert.deepEqual(codes, ['binary.yaml E_FILE_BINARY', 'empty.yaml E_FILE_EMPTY', 'bomb.yaml E_YAML_ALIAS_LIMIT'])
  })
})

describe('agentor init and schema', () => {
  test('init writes a starter manifest that validates, and refuses to overwrite it', () => {
    const first = runCli(['init', 'starter', '--dir', workDir])
    assert.equal(first.status, 0, first.stderr)
    const file = join(workDir, 'starter.yaml')
    assert.match(readFileSync(file, 'utf8'), /^# yaml-language-server: \$schema=.*agent\.schema\.json\n/)
    assert.equal(runCli(['validate', file]).status, 0)
    const again = runCli(['init', 'starter', '--dir', workDir])
    assert.equal(again.status, 2)
    assert.match(again.stderr, /already exists \(use --force to overwrite\)/)
  })

  test('init rejects a name the schema would reject', () => {
    const result = runCli(['init', 'Bad Name', '--dir', workDir])
    assert.equal(result.status, 2)
    assert.match(result.stderr, /invalid agent name/)
  })

  test('schema prints the JSON Schema the validator uses', () => {
    const result = runCli(['schema'])
    assert.equal(result.status, 0)
    assert.deepEqual(JSON.parse(result.stdout), JSON.parse(readFileSync('schemas/agent.schema.json', 'utf8')))
    assert.match(runCli(['schema', '--path']).stdout.trim(), /schemas\/agent\.schema\.json$/)
  })
})
