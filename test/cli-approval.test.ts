import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { runCli, STACK_FRAME } from './support/cli.js'

const dir = mkdtempSync(join(tmpdir(), 'agentor-cli-approval-'))
after(() => rmSync(dir, { recursive: true, force: true }))

function agent(approval: string): string {
  const file = join(dir, `agent-${approval.replace(/\W+/g, '-')}.yaml`)
  writeFileSync(file, `agentor: 1
name: guarded
model:
  provider: scripted
  script:
    - toolCalls: [{ name: shell, arguments: { command: "touch made-by-agent.txt" } }]
    - text: finished
skills: [shell]
approval: ${approval}
transcripts: { dir: ./t }
`)
  return file
}

describe('approval from the CLI', () => {
  test('without a terminal, a call that needs approval is denied with the reason, and nothing runs', () => {
    const result = runCli(['run', agent('{ require: [shell] }'), '-i', 'make the file'], { cwd: dir })
    assert.equal(result.status, 0, result.stderr)
    assert.match(result.stderr, /✖ shell .*not approved \(agentor: approval needed, but there is no terminal to ask on; run with --yes/)
    assert.equal(existsSync(join(dir, 'made-by-agent.txt')), false)
    assert.doesNotMatch(result.stderr, STACK_FRAME)
  })

  test('--yes approves explicitly', () => {
    const result = runCli(['run', agent('{ require: [shell] }'), '-i', 'make the file', '--yes'], { cwd: dir })
    assert.equal(result.status, 0, result.stderr)
    assert.equal(existsSync(join(dir, 'made-by-agent.txt')), true)
    rmSync(join(dir, 'made-by-agent.txt'))
  })

  test('approval.channel: auto approves explicitly; minRisk selects by risk level', () => {
    const result = runCli(['run', agent('{ channel: auto, minRisk: high }'), '-i', 'make the file'], { cwd: dir })
    assert.equal(result.status, 0, result.stderr)
    assert.equal(existsSync(join(dir, 'made-by-agent.txt')), true)
  })
})
