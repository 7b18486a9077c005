import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, describe, test } from 'node:test'
import { defaultSkillSettings, skillContext } from './support/skill-context.js'
import type { ResolvedSkillSettings } from '../src/engine/manifest/generated/manifest-types.js'
import { SkillError, type SkillContext, type SkillResult } from '../src/engine/skills/contract.js'
import { shellSkill } from '../src/engine/skills/builtins/shell.js'
import { checkShellPolicy, parseCommandLine } from '../src/engine/skills/guards/shell-policy.js'

const base = realpathSync(mkdtempSync(join(tmpdir(), 'agentor-skills-shell-')))
const ws = join(base, 'ws')
mkdirSync(ws)
after(() => rmSync(base, { recursive: true, force: true }))

function context(shell: Partial<ResolvedSkillSettings['shell']> = {}, signal = new AbortController().signal): SkillContext {
  const defaults = defaultSkillSettings()
  return skillContext(ws, { settings: { ...defaults, shell: { ...defaults.shell, ...shell } }, signal })
}

async function run(command: string, ctx = context(), timeoutSeconds?: number): Promise<SkillResult> {
  const result = await shellSkill.invoke(timeoutSeconds === undefined ? { command } : { command, timeoutSeconds }, ctx)
  assert.equal(typeof result, 'object')
  return result as SkillResult
}

async function refused(command: string, ctx: SkillContext, pattern: RegExp): Promise<void> {
  await assert.rejects(shellSkill.invoke({ command }, ctx), (error: unknown) => {
    assert.ok(error instanceof SkillError, `expected SkillError for ${JSON.stringify(command)}, got ${String(error)}`)
    assert.match(error.message, pattern, `for ${JSON.stringify(command)}`)
    return true
  })
}

/**
 * A process is gone when kill(pid, 0) fails with ESRCH. In containers whose PID 1 does not reap
 * orphans, a killed orphan lingers as a zombie (it has exited, only its process-table entry
 * remains), so a zombie counts as gone too.
 */
function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true
    throw error
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')
  } catch {
    return true
  }
}

async function assertAllGone(pids: number[], withinMs = 2000): Promise<void> {
  const deadline = Date.now() + withinMs
  while (pids.some((pid) => !isGone(pid)) && Date.now() < deadline) await sleep(50)
  for (const pid of pids) assert.ok(isGone(pid), `process ${pid} is still running`)
}

function pidsIn(file: string): number[] {
  const pids = readFileSync(join(ws, file), 'utf8').split(/\s+/).filter(Boolean).map(Number)
  assert.ok(pids.length > 0 && pids.every((pid) => Number.isInteger(pid) && pid > 1), `bad pid file: ${pids.join(',')}`)
  return pids
}

describe('shell: running commands', () => {
  test('exit code 0, stdout, empty stderr; runs in the workspace', async () => {
    const result = await run('echo hello; pwd')
    assert.equal(result.content, `exit code: 0\n--- stdout ---\nhello\n${ws}\n--- stderr ---\n`)
    assert.equal(result.isError, false)
  })

  test('non-zero exit is an error result with stderr', async () => {
    const result = await run('echo out; echo oops >&2; exit 3')
    assert.equal(result.content, 'exit code: 3\n--- stdout ---\nout\n--- stderr ---\noops\n')
    assert.equal(result.isError, true)
    const missing = await run('definitely-not-a-command-xyz')
    assert.match(missing.content, /^exit code: 127\n/)
    assert.match(missing.content, /--- stderr ---\n.*not found/)
  })

  test('stdin is closed, so commands reading it do not hang', async () => {
    const started = Date.now()
    const result = await run('cat; echo after-cat', context(), 5)
    assert.equal(result.content, 'exit code: 0\n--- stdout ---\nafter-cat\n--- stderr ---\n')
    assert.ok(Date.now() - started < 3000)
  })

  test('stdout and stderr are each capped, keeping the head and counting what was dropped', async () => {
    const ctx = context({ maxOutputBytes: 1000 })
    const result = await run("head -c 100000 /dev/zero | tr '\\0' a; head -c 5000 /dev/zero | tr '\\0' b >&2", ctx)
    assert.equal(result.content,
      `exit code: 0\n--- stdout ---\n${'a'.repeat(1000)}\n[stdout truncated: 99000 more bytes dropped]\n--- stderr ---\n${'b'.repeat(1000)}\n[stderr truncated: 4000 more bytes dropped]\n`)
  })

  test('huge output is drained, not buffered', async () => {
    const before = process.memoryUsage().rss
    const result = await run("head -c 200000000 /dev/zero | tr '\\0' x", context({ maxOutputBytes: 100 }))
    assert.match(result.content, /\[stdout truncated: 199999900 more bytes dropped\]/)
    assert.ok(process.memoryUsage().rss - before < 150 * 1024 * 1024, 'memory grew by less than the output size')
  })

  test('the cap never splits a UTF-8 character', async () => {
    const result = await run("printf 'ééééé'", context({ maxOutputBytes: 5 }))
    assert.match(result.content, /--- stdout ---\néé\n\[stdout truncated: 5 more bytes dropped\]/)
  })

  test('timeout kills the whole process group, grandchildren included', async () => {
    const started = Date.now()
    const result = await run("sleep 30 & echo $! > pids; sh -c 'sleep 30 & echo $! >> pids; wait' & echo $! >> pids; echo started; wait", context(), 1)
    const elapsed = Date.now() - started
    assert.ok(elapsed >= 900 && elapsed < 5000, `took ${elapsed}ms`)
    assert.match(result.content, /^timed out after 1s; the process group was killed\nexit code: none \(killed by SIGKILL\)\n--- stdout ---\nstarted\n/)
    assert.equal(result.isError, true)
    const pids = pidsIn('pids')
    assert.equal(pids.length, 3)
    await assertAllGone(pids)
  })

  test('the configured timeout caps a longer requested one', async () => {
    const started = Date.now()
    const result = await run('sleep 30', context({ timeoutSeconds: 1 }), 60)
    assert.match(result.content, /^timed out after 1s/)
    assert.ok(Date.now() - started < 5000)
    const shorter = await run('sleep 30', context({ timeoutSeconds: 30 }), 0.5)
    assert.match(shorter.content, /^timed out after 0\.5s/)
    // Timeouts beyond setTimeout's 2^31-1 ms range must not fire at once.
    assert.match((await run('sleep 0.2; echo ok', context({ timeoutSeconds: 1e7 }))).content, /^exit code: 0\n--- stdout ---\nok\n/)
  })

  test('aborting the signal kills the process group', async () => {
    const controller = new AbortController()
    const started = Date.now()
    setTimeout(() => controller.abort(), 500)
    const result = await run("sleep 30 & echo $! > abort-pids; sh -c 'sleep 30 & echo $! >> abort-pids; wait' & wait", context({}, controller.signal))
    assert.ok(Date.now() - started < 5000)
    assert.match(result.content, /^aborted; the process group was killed\nexit code: none \(killed by SIGKILL\)/)
    assert.equal(result.isError, true)
    await assertAllGone(pidsIn('abort-pids'))
  })

  test('an already aborted signal runs nothing', async () => {
    const controller = new AbortController()
    controller.abort()
    await assert.rejects(shellSkill.invoke({ command: 'touch should-not-exist' }, context({}, controller.signal)), /aborted before the command started/)
    assert.equal(existsSync(join(ws, 'should-not-exist')), false)
  })

  test('background processes left behind when the shell exits are killed, and the call returns promptly', async () => {
    const started = Date.now()
    const result = await run('sleep 30 & echo $! > bg-pids; echo done')
    assert.ok(Date.now() - started < 4000, `took ${Date.now() - started}ms`)
    assert.match(result.content, /^exit code: 0\n/)
    assert.match(result.content, /--- stdout ---\ndone\n/)
    await assertAllGone(pidsIn('bg-pids'))
  })
})

describe('shell: deny patterns', () => {
  const ctx = context({ deny: ['rm\\s+-rf', '^curl\\b'] })

  test('a matching command is refused, naming the pattern', async () => {
    writeFileSync(join(ws, 'deny-sentinel'), '')
    await refused('rm  -rf deny-sentinel', ctx, /command refused: matches deny pattern \/rm\\s\+-rf\//)
    await refused('curl http://example.com', ctx, /deny pattern \/\^curl\\b\//)
    assert.ok(existsSync(join(ws, 'deny-sentinel')))
  })

  test('other commands run', async () => {
    assert.equal((await run('echo curl', ctx)).content, 'exit code: 0\n--- stdout ---\ncurl\n--- stderr ---\n')
  })

  test('an invalid deny pattern refuses everything (fail closed)', async () => {
    await refused('echo hi', context({ deny: ['('] }), /not a valid regular expression/)
  })
})

describe('shell: allowlist', () => {
  const allow = ['echo', 'cat', 'grep', 'wc', 'ls', 'true', 'false', 'printf', 'tr', 'head', 'test']
  const ctx = context({ allow })

  test('commands made only of allowed programs run', async () => {
    const accepted: [string, string][] = [
      ['echo hi | tr a-z A-Z', 'HI\n'],
      ['true && echo ok', 'ok\n'],
      ['false || echo fallback', 'fallback\n'],
      ['echo a; echo b\necho c', 'a\nb\nc\n'],
      ['FOO=bar BAZ=qux printf "%s\\n" "$FOO"', '\n'],
      ['/bin/echo absolute', 'absolute\n'],
      ['echo "quoted; rm -rf /" \'$(rm x)\'', 'quoted; rm -rf / $(rm x)\n'],
      ['echo x > allow-out.txt && cat allow-out.txt', 'x\n'],
      ['echo err 2>/dev/null >&2; echo visible 2>&1', 'visible\n'],
      ['echo ${HOME:+set} | wc -l', '1\n'],
      ['echo one \\\n two', 'one two\n'],
      ['true & echo foreground', 'foreground\n'],
      ['ls # ; rm -rf /', ''],
    ]
    for (const [command, stdout] of accepted) {
      const result = await run(command, ctx)
      assert.equal(result.isError, false, `${JSON.stringify(command)}: ${result.content}`)
      if (stdout) assert.ok(result.content.includes(`--- stdout ---\n${stdout}`), `${JSON.stringify(command)}: ${result.content}`)
    }
    assert.equal(readFileSync(join(ws, 'allow-out.txt'), 'utf8'), 'x\n')
  })

  test('anything else is refused before it runs', async () => {
    writeFileSync(join(ws, 'sentinel'), 'keep')
    const rejected: [string, RegExp][] = [
      ['rm sentinel', /program 'rm' is not in the allowlist/],
      ['echo hi | rm sentinel', /program 'rm'/],
      ['echo hi || rm sentinel', /program 'rm'/],
      ['true && rm sentinel', /program 'rm'/],
      ['echo hi; rm sentinel', /program 'rm'/],
      ['echo hi & rm sentinel', /program 'rm'/],
      ['echo hi\nrm sentinel', /program 'rm'/],
      ['echo hi |& rm sentinel', /program 'rm'/],
      ['FOO=bar rm sentinel', /program 'rm'/],
      ['/bin/rm sentinel', /program 'rm'/],
      ["'rm' sentinel", /program 'rm'/],
      ['r\\m sentinel', /program 'rm'/],
      ['echo $(rm sentinel)', /command substitution \(\$\(\.\.\.\)\)/],
      ['echo "$(rm sentinel)"', /command substitution/],
      ['echo `rm sentinel`', /command substitution \(backticks\)/],
      ['echo "`rm sentinel`"', /backticks/],
      ['echo $((1+2))', /command substitution/],
      ['(rm sentinel)', /subshells/],
      ['echo hi && (echo nested)', /subshells/],
      ['cat <(rm sentinel)', /process substitution|subshells/],
      ['{ rm sentinel; }', /glob|not in the allowlist/],
      ['$CMD sentinel', /program name '\$CMD' uses an expansion/],
      ['"$CMD" sentinel', /uses an expansion/],
      ['${CMD} sentinel', /uses an expansion/],
      ['ec* hi', /uses a glob/],
      ['~/bin/echo hi', /~ expansion/],
      ['PATH=/tmp echo hi', /setting PATH is not allowed/],
      ['LD_PRELOAD=./evil.so echo hi', /setting LD_PRELOAD/],
      ['PATH=.; echo hi', /setting PATH/],
      ['cat <<EOF\nhi\nEOF', /here-documents/],
      ['echo x > /tmp/agentor-shell-escape', /redirection target '\/tmp\/agentor-shell-escape' is not allowed/],
      [`echo x > ${base}/planted`, /redirection target/],
      ['echo x > ../planted', /redirection target '\.\.\/planted' is not allowed/],
      ['echo x >> ../../planted', /redirection target/],
      ['echo x 2> ../planted', /redirection target/],
      ['echo x &> ../planted', /redirection target/],
      ['echo x > $HOME/planted', /cannot tell where redirection/],
      ['echo x > ~/planted', /cannot tell where redirection/],
      ['echo x > *.txt', /cannot tell where redirection/],
      ['echo x >', /has no target/],
      ["echo 'unterminated", /unterminated single quote/],
      ['echo "unterminated', /unterminated double quote/],
      ['echo ${x:-$(rm sentinel)}', /cannot be checked|command substitution/],
      ['eval rm sentinel', /program 'eval'/],
      ['sh -c "rm sentinel"', /program 'sh'/],
    ]
    for (const [command, pattern] of rejected) await refused(command, ctx, pattern)
    assert.equal(readFileSync(join(ws, 'sentinel'), 'utf8'), 'keep')
    assert.equal(existsSync(join(base, 'planted')), false)
    assert.equal(existsSync('/tmp/agentor-shell-escape'), false)
  })

  test('redirections through a symlink that leaves the workspace are refused', async () => {
    mkdirSync(join(base, 'outside'), { recursive: true })
    symlinkSync(join(base, 'outside'), join(ws, 'out-link'))
    await refused('echo x > out-link/planted', ctx, /redirection target 'out-link\/planted' is not allowed .*resolves outside the workspace/)
    assert.equal(existsSync(join(base, 'outside/planted')), false)
  })

  test('an empty allowlist refuses every program', async () => {
    await refused('echo hi', context({ allow: [] }), /program 'echo' is not in the allowlist \(empty\)/)
  })

  test('without an allowlist the command is not parsed', async () => {
    assert.equal((await run('echo $(echo sub)')).content, 'exit code: 0\n--- stdout ---\nsub\n--- stderr ---\n')
  })
})

describe('shell-policy parser', () => {
  test('finds every program and skips assignments, paths and redirections', () => {
    const commands = parseCommandLine('A=1 B="x y" /usr/bin/env -i ls | grep -v x 2>&1 && wc -l < in.txt; echo done >> out.txt &')
    assert.deepEqual(commands.map((c) => c.program), ['env', 'grep', 'wc', 'echo'])
    assert.deepEqual(commands[0]!.assignments, ['A=1', 'B=x y'])
    assert.deepEqual(commands[0]!.args, ['-i', 'ls'])
    assert.deepEqual(commands[1]!.redirections, [{ op: '>&', target: '1' }])
    assert.deepEqual(commands[2]!.redirections, [{ op: '<', target: 'in.txt' }])
    assert.deepEqual(commands[3]!.redirections, [{ op: '>>', target: 'out.txt' }])
  })

  test('reports redirection targets to confine, but not fd duplications or /dev/null', () => {
    const decision = checkShellPolicy('echo a > a.txt 2>/dev/null; cat < b.txt 2>&1 >&-', { allow: ['echo', 'cat'], deny: [] })
    assert.deepEqual(decision.redirectTargets, ['a.txt', 'b.txt'])
  })

  test('quoted operators are not separators; a quoted assignment-looking word is a program', () => {
    assert.deepEqual(parseCommandLine("echo 'a;b|c' \"d&&e\" f\\;g").map((c) => c.args), [['a;b|c', 'd&&e', 'f;g']])
    assert.throws(() => checkShellPolicy('"FOO"=bar echo', { allow: ['echo'], deny: [] }), /program 'FOO=bar'/)
  })
})

test('shell commands do not see the API keys and secrets in agentor\'s environment', async () => {
  process.env.OPENAI_API_KEY = 'sk-test-should-not-leak'
  process.env.WEBHOOK_SECRET = 'whsec-should-not-leak'
  try {
    const workspace = mkdtempSync(join(tmpdir(), 'agentor-shell-env-'))
    const result = await shellSkill.invoke({ command: 'env' }, skillContext(workspace))
    const content = typeof result === 'string' ? result : result.content
    assert.match(content, /exit code: 0/)
    assert.doesNotMatch(content, /should-not-leak/)
    assert.match(content, /PATH=/)
  } finally {
    delete process.env.OPENAI_API_KEY
    delete process.env.WEBHOOK_SECRET
  }
})
