import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { parse, stringify } from 'yaml'
import { validateManifests } from '../src/engine/manifest/validate.js'
import { seededRandom } from './support/random.js'

const MUTATIONS = 2000
const random = seededRandom(20261123)
const examples = readdirSync('agents').filter((name) => name.endsWith('.yaml')).map((name) => readFileSync(join('agents', name), 'utf8'))
const workDir = mkdtempSync(join(tmpdir(), 'agentor-property-'))
after(() => rmSync(workDir, { recursive: true, force: true }))

const GARBAGE = ['{', ']', ': :', '- - -', '&a', '*nope', '!!binary', '\t', '"', "'", '${', '${X', '{{', '\u0000', '\uFFFD', '%YAML 1.1', '---', '...', '? ', '|', '>-', '#', '@', '`']
const VALUES: unknown[] = [null, 0, -1, 1.5, 1e309, '', 'x', true, [], {}, [1, 'a'], { a: 1 }, '${HOME}', '{{payload.x}}']

type Json = Record<string, unknown> | unknown[]

function containers(node: unknown, found: Json[] = []): Json[] {
  if (node && typeof node === 'object') {
    found.push(node as Json)
    for (const value of Object.values(node)) containers(value, found)
  }
  return found
}

function mutateStructure(text: string): string {
  const data: unknown = parse(text)
  const targets = containers(data)
  const target = random.pick(targets)
  const keys = Object.keys(target)
  const key = keys.length ? random.pick(keys) : '0'
  const record = target as Record<string, unknown>
  switch (random.int(0, 3)) {
    case 0: delete record[key]; break
    case 1: record[key] = random.pick(VALUES); break
    case 2: { const value = record[key]; delete record[key]; record[`${key}${random.pick(['x', 's', '_', ''])}`.slice(0, Math.max(1, key.length - random.int(0, 1)))] = value; break }
    default: record[random.pick(['extra', 'modle', 'name', 'skills', '0'])] = random.pick(VALUES)
  }
  return stringify(data)
}

function mutateText(text: string): string {
  const at = random.int(0, text.length)
  switch (random.int(0, 2)) {
    case 0: return text.slice(0, at)
    case 1: return text.slice(0, at) + random.pick(GARBAGE) + text.slice(at)
    default: return text.slice(0, at) + text.slice(at + 1 + random.int(0, 19))
  }
}

test(`validate never throws and locates every diagnostic inside the file, over ${MUTATIONS} mutated manifests`, async () => {
  const files: { file: string; lines: string[] }[] = []
  for (let i = 0; i < MUTATIONS; i++) {
    const example = random.pick(examples)
    const text = random.next() < 0.5 ? mutateStructure(example) : mutateText(example)
    const file = join(workDir, `case-${i}.yaml`)
    writeFileSync(file, text)
    files.push({ file, lines: text.split('\n') })
  }
  let invalid = 0
  for (const { file, lines } of files) {
    let reports
    try {
      reports = await validateManifests([file], { env: {} })
    } catch (error) {
      assert.fail(`validate threw on ${file}:\n${readFileSync(file, 'utf8')}\n${(error as Error).stack}`)
    }
    const own = reports.find((report) => report.file.endsWith(file.split('/').pop()!))!
    if (own.diagnostics.some((d) => d.severity === 'error')) invalid++
    for (const d of own.diagnostics) {
      const where = `${file}:${d.line}:${d.column} ${d.code} ${d.message}\nline: ${JSON.stringify(lines[d.line - 1])}`
      assert.ok(Number.isInteger(d.line) && d.line >= 1 && d.line <= lines.length, `line outside the file: ${where}`)
      assert.ok(Number.isInteger(d.column) && d.column >= 1 && d.column <= lines[d.line - 1]!.length + 1, `column outside the line: ${where}`)
      assert.ok(d.message.length > 0 && d.code.length > 0 && d.path.startsWith('$'), `incomplete diagnostic: ${where}`)
    }
  }
  assert.ok(invalid > MUTATIONS / 4, `mutations should mostly break manifests; only ${invalid} were invalid`)
})
