// `npm run bench:engine`: the same 10-turn tool-calling task (nine `add` calls, then the answer)
// against a local fake OpenAI server, run by agentor and by peer frameworks, measuring process CPU
// (user + system) as well as wall time. Run `npm run build` first: agentor runs from dist/.
//  - one-shot: a fresh process per task, spawn to exit, as a user runs it (agentor: the CLI);
//    frameworks take turns, in a rotating order, after one unmeasured warm-up round.
//  - warm: one process per framework, 100 warm-up tasks, then 200 measured in chunks of 20 that
//    the frameworks take turns at: CPU ms per turn.
// Peers live in bench/peers (their own package.json and lockfile), installed there on first run.
// Prints a markdown table and a JSON line; fails only when a framework gets the task wrong.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { startTaskServer, type TaskServer } from './engine/task-server.js'
import { checkAnswer, taskText, TURNS } from './engine/task.mjs'
import { ensurePeers, installedVersion, PEERS, ROOT } from './support/peers.js'
import { percentile } from './support/processes.js'

const HARNESS = 'bench/engine/harness.mjs'
const REPORT_USAGE = new URL('support/report-usage.mjs', import.meta.url).href
const ONE_SHOT_RUNS = 10
const ONE_SHOT_WARMUPS = 1
const WARM_WARMUPS = 100
const WARM_CHUNKS = 10
const WARM_CHUNK_TASKS = 20
const CHILD_TIMEOUT_MS = 10 * 60_000
const TARGET_ONE_SHOT_MS = 600
const TARGET_WARM_DELTA_MS = 0.3

interface Framework {
  key: string
  name: string
  versions: string
  /** The module harness.mjs loads (see there). */
  module: string
  /** Arguments of a one-shot run, when it is not the harness (agentor: its CLI). */
  cli?: (task: string) => string[]
  peer: boolean
}

interface Result {
  framework: Framework
  oneShot: { wallMs: number[]; cpuMs: number[] }
  warmCpuMsPerTurn: number
}

interface Worker {
  /** Settles when the worker has finished its warm-up tasks. */
  ready: Promise<void>
  /** Runs `tasks` more tasks; resolves to the CPU ms they took in the worker. */
  run(tasks: number): Promise<number>
  close(): Promise<void>
}

interface ChildRun {
  wallMs: number
  cpuMs: number
  stdout: string
}

async function main() {
  if (!existsSync(join(ROOT, 'dist/index.js'))) throw new Error('dist/ is missing: run `npm run build` first')
  ensurePeers(progress)
  const results: Result[] = describeFrameworks().map((framework) => ({ framework, oneShot: { wallMs: [], cpuMs: [] }, warmCpuMsPerTurn: NaN }))
  const tmp = mkdtempSync(join(tmpdir(), 'agentor-engine-bench-'))
  const server = await startTaskServer()
  const load = [loadavg()[0]!]
  const env = {
    ...process.env,
    OPENAI_API_KEY: 'sk-bench-not-a-real-key',
    AGENTOR_BENCH_BASE_URL: server.baseURL,
    AGENTOR_BENCH_TRANSCRIPTS: join(tmp, 'transcripts'),
  }
  try {
    const nextTask = await measureOneShot(results, server, env, tmp)
    await measureWarm(results, server, env, nextTask)
  } finally {
    await server.close()
    rmSync(tmp, { recursive: true, force: true })
  }
  load.push(loadavg()[0]!)
  console.log(renderReport(results, load))
  console.log(JSON.stringify(summary(results)))
}

/** Fresh processes, frameworks taking turns; returns the next unused task number. */
async function measureOneShot(results: readonly Result[], server: TaskServer, env: NodeJS.ProcessEnv, tmp: string): Promise<number> {
  let task = 1
  for (let round = 0; round < ONE_SHOT_WARMUPS + ONE_SHOT_RUNS; round++) {
    for (const result of rotate(results, round)) {
      const { framework } = result
      const label = `${framework.name}, one-shot task ${task}`
      const args = framework.cli?.(taskText(task)) ?? [HARNESS, framework.module, 'oneshot', server.baseURL, String(task)]
      const child = await runChild(label, args, { ...env, BENCH_USAGE_FILE: join(tmp, `usage-${task}.json`) })
      checkAnswer(child.stdout)
      server.verify(label, task, 1)
      task++
      if (round < ONE_SHOT_WARMUPS) continue
      result.oneShot.wallMs.push(child.wallMs)
      result.oneShot.cpuMs.push(child.cpuMs)
    }
    progress(`one-shot round ${round + 1}/${ONE_SHOT_WARMUPS + ONE_SHOT_RUNS}${round < ONE_SHOT_WARMUPS ? ' (warm-up)' : ''}`)
  }
  return task
}

/** One warmed-up process per framework; they take turns running chunks of tasks. */
async function measureWarm(results: Result[], server: TaskServer, env: NodeJS.ProcessEnv, firstTask: number): Promise<void> {
  const tasksPerWorker = WARM_WARMUPS + WARM_CHUNKS * WARM_CHUNK_TASKS
  const workers: Worker[] = []
  try {
    for (const [index, { framework }] of results.entries()) {
      const args = [HARNESS, framework.module, 'warm', server.baseURL, String(firstTask + index * tasksPerWorker), String(WARM_WARMUPS)]
      workers.push(startWorker(`${framework.name}, warm`, args, env))
      await workers[index]!.ready
      progress(`warm: ${framework.name} warmed up`)
    }
    const perTurn = results.map((): number[] => [])
    for (let round = 0; round < WARM_CHUNKS; round++) {
      for (const index of rotate([...results.keys()], round)) {
        perTurn[index]!.push(await workers[index]!.run(WARM_CHUNK_TASKS) / (WARM_CHUNK_TASKS * TURNS))
      }
    }
    results.forEach((result, index) => { result.warmCpuMsPerTurn = percentile(perTurn[index]!, 50) })
  } finally {
    await Promise.all(workers.map((worker) => worker.close()))
  }
  server.verify('warm tasks', firstTask, results.length * tasksPerWorker)
}

function describeFrameworks(): Framework[] {
  const peer = (name: string) => `${name} ${installedVersion(PEERS, name)}`
  const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
  const openai = `openai ${installedVersion(ROOT, 'openai')}`
  return [
    {
      key: 'agentor', name: 'agentor', versions: `agentor ${rootPackage.version} (dist/), ${openai}`, module: 'bench/engine/agentor.mjs',
      cli: (task) => ['bin/run.js', 'run', 'bench/engine/agent.yaml', '-i', task], peer: false,
    },
    { key: 'floor', name: 'bare openai SDK loop (floor)', versions: openai, module: 'bench/engine/floor.mjs', peer: false },
    { key: 'aiSdk', name: 'Vercel AI SDK', versions: `${peer('ai')}, ${peer('@ai-sdk/openai')}`, module: 'bench/peers/ai-sdk.mjs', peer: true },
    {
      key: 'openaiAgents', name: 'OpenAI Agents SDK', module: 'bench/peers/openai-agents.mjs', peer: true,
      versions: `${peer('@openai/agents')} (nested openai ${installedVersion(join(PEERS, 'node_modules/@openai/agents-openai'), 'openai')})`,
    },
    {
      key: 'langgraph', name: 'LangGraph react agent', module: 'bench/peers/langgraph.mjs', peer: true,
      versions: `${peer('@langchain/langgraph')}, ${peer('@langchain/openai')}, ${peer('@langchain/core')}`,
    },
  ]
}

/** Installs bench/peers (from its lockfile) unless every dependency is there at its pinned version. */

/** The version of `name` that code in `fromDir` imports (Node's node_modules lookup, upwards). */

/**
 * Runs `node <args>` with the CPU reporter preloaded; wall = spawn to exit as seen here, CPU = the
 * child's own process.resourceUsage() at exit. Asynchronous, so the fake server here keeps answering.
 */
function runChild(label: string, args: string[], env: NodeJS.ProcessEnv): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(process.execPath, ['--import', REPORT_USAGE, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let wallMs = 0
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => { stdout += text })
    child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text })
    const timer = setTimeout(() => child.kill(), CHILD_TIMEOUT_MS)
    child.on('exit', () => { wallMs = performance.now() - start })
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code !== 0) {
        const tail = (text: string) => text.trim().split('\n').slice(-15).join('\n')
        return reject(new Error(`${label} failed (${signal ?? `exit ${code}`})\nstdout:\n${tail(stdout)}\nstderr:\n${tail(stderr)}`))
      }
      const usage = JSON.parse(readFileSync(env.BENCH_USAGE_FILE!, 'utf8')) as NodeJS.ResourceUsage
      resolve({ wallMs, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000, stdout })
    })
  })
}

/** A warm harness process (see harness.mjs) that runs tasks when asked, so frameworks can take turns. */
function startWorker(label: string, args: string[], env: NodeJS.ProcessEnv): Worker {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text })
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const nextLine = async (): Promise<string> => {
    const { value, done } = await lines.next()
    if (!done) return value as string
    const code = await closed
    throw new Error(`${label} exited (code ${code}) before answering\nstderr:\n${stderr.trim().split('\n').slice(-15).join('\n')}`)
  }
  return {
    ready: nextLine().then(() => undefined),
    async run(tasks) {
      child.stdin.write(`${tasks}\n`)
      return (JSON.parse(await nextLine()) as { cpuMs: number }).cpuMs
    },
    async close() {
      child.stdin.end()
      const timer = setTimeout(() => child.kill(), 10_000)
      await closed
      clearTimeout(timer)
    },
  }
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const offset = by % items.length
  return [...items.slice(offset), ...items.slice(0, offset)]
}

function progress(message: string) {
  process.stderr.write(`bench:engine: ${message}\n`)
}

// ---------------------------------------------------------------------------
// Report

interface Figures {
  wallMs: number
  cpuMs: number
  warmCpuMsPerTurn: number
}

function figures(result: Result): Figures {
  return {
    wallMs: percentile(result.oneShot.wallMs, 50),
    cpuMs: percentile(result.oneShot.cpuMs, 50),
    warmCpuMsPerTurn: result.warmCpuMsPerTurn,
  }
}

function verdicts(results: readonly Result[]) {
  const agentor = figures(results.find((result) => result.framework.key === 'agentor')!)
  const floor = figures(results.find((result) => result.framework.key === 'floor')!)
  const peers = results.filter((result) => result.framework.peer).map(figures)
  const warmDelta = agentor.warmCpuMsPerTurn - floor.warmCpuMsPerTurn
  return {
    agentor,
    warmDelta,
    oneShot: verdict(agentor.wallMs <= TARGET_ONE_SHOT_MS),
    aheadOfPeers: verdict(peers.every((peer) => agentor.wallMs < peer.wallMs && agentor.cpuMs < peer.cpuMs)),
    warm: verdict(warmDelta <= TARGET_WARM_DELTA_MS),
  }
}

function renderReport(results: readonly Result[], load: number[]): string {
  const { agentor, warmDelta, oneShot, aheadOfPeers, warm } = verdicts(results)
  const floor = figures(results.find((result) => result.framework.key === 'floor')!)
  const rows = [
    ['Framework', 'Versions', 'One-shot wall (median)', 'One-shot CPU (median)', '÷ agentor (wall / CPU)', 'Warm CPU / turn', 'Δ over floor / turn'],
    ['---', '---', '---:', '---:', '---:', '---:', '---:'],
    ...results.map((result) => {
      const own = figures(result)
      return [
        result.framework.name, result.framework.versions, ms(own.wallMs), ms(own.cpuMs),
        `${ratio(own.wallMs, agentor.wallMs).toFixed(2)}× / ${ratio(own.cpuMs, agentor.cpuMs).toFixed(2)}×`,
        ms(own.warmCpuMsPerTurn, 3), signed(own.warmCpuMsPerTurn - floor.warmCpuMsPerTurn),
      ]
    }),
  ]
  const targets = [
    ['Target', 'agentor', 'Result'],
    ['---', '---:', '---'],
    [`One-shot wall median ≤ ${TARGET_ONE_SHOT_MS} ms`, ms(agentor.wallMs), oneShot],
    ['One-shot ahead of every peer (wall and CPU medians)', `${ms(agentor.wallMs)} / ${ms(agentor.cpuMs)}`, aheadOfPeers],
    [`Warm CPU ≤ floor + ${TARGET_WARM_DELTA_MS} ms/turn`, signed(warmDelta), warm],
  ]
  const notes = [
    `Node ${process.version} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), ${process.platform}/${process.arch}; 1-minute load average ${load.map((value) => value.toFixed(2)).join(' → ')} (start → end).`,
    `Task: ${TURNS} model turns (nine \`add\` tool calls, one per turn, then the answer 55). Every framework's answer was checked for the sum, and the fake server saw exactly ${TURNS} requests per task.`,
    'The fake OpenAI server runs in the benchmark process; every CPU figure is the framework process\'s own (process.resourceUsage() at exit, or process.cpuUsage() around the warm tasks), so the server\'s CPU is never counted. Wall times include waiting for it.',
    `One-shot: median of ${ONE_SHOT_RUNS} fresh processes each, after ${ONE_SHOT_WARMUPS} unmeasured round; frameworks take turns in a rotating order. Wall = spawn to exit as seen by the parent. agentor = \`node bin/run.js run bench/engine/agent.yaml -i TASK\` (manifest loading, validation, plugin import, transcript writing); the others = a plain .mjs script (bench/engine/harness.mjs + the framework module).`,
    `Warm: one long-lived process per framework: ${WARM_WARMUPS} warm-up tasks, then ${WARM_CHUNKS} chunks of ${WARM_CHUNK_TASKS} tasks (${WARM_CHUNKS * WARM_CHUNK_TASKS} measured), the frameworks taking turns chunk by chunk; CPU / turn = median over its chunks of process.cpuUsage() ÷ ${WARM_CHUNK_TASKS * TURNS} turns. agentor = loadManifest + compile once, engine.run(task) per task, transcripts enabled.`,
    'Streaming: agentor always streams, so every loop here streams too (each framework\'s documented switch): the floor with stream: true + include_usage like agentor; AI SDK with streamText (generateText\'s streaming twin, same options, stopWhen: stepCountIs(20)); Agents SDK with run(..., { stream: true, maxTurns: 20 }) on chat completions, tracing disabled (its exporter would call api.openai.com); LangGraph with agent.stream(..., { streamMode: [\'messages\', \'values\'], recursionLimit: 50 }) (not ChatOpenAI({ streaming: true }) + invoke(), which fetches tiktoken ranks from the internet to estimate usage and hangs offline). Peers declare the tool with zod, as their docs do.',
  ]
  const table = (lines: string[][]) => lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n')
  return [table(rows), '', table(targets), '', ...notes.map((note) => `- ${note}`), ''].join('\n')
}

function summary(results: readonly Result[]) {
  const { agentor, warmDelta, oneShot, aheadOfPeers, warm } = verdicts(results)
  return {
    bench: 'engine',
    node: process.version,
    turnsPerTask: TURNS,
    oneShotRuns: ONE_SHOT_RUNS,
    warmTasks: WARM_CHUNKS * WARM_CHUNK_TASKS,
    frameworks: Object.fromEntries(results.map((result) => {
      const own = figures(result)
      return [result.framework.key, {
        versions: result.framework.versions,
        oneShotWallMs: round(own.wallMs, 1),
        oneShotCpuMs: round(own.cpuMs, 1),
        wallRatioToAgentor: ratio(own.wallMs, agentor.wallMs),
        cpuRatioToAgentor: ratio(own.cpuMs, agentor.cpuMs),
        warmCpuMsPerTurn: round(own.warmCpuMsPerTurn, 3),
      }]
    })),
    targets: {
      oneShotMs: TARGET_ONE_SHOT_MS,
      oneShot,
      aheadOfPeers,
      warmDeltaMsPerTurn: TARGET_WARM_DELTA_MS,
      warmDelta: round(warmDelta, 3),
      warm,
    },
  }
}

function ms(value: number, digits = 1): string {
  return `${value.toFixed(digits)} ms`
}

function signed(value: number): string {
  return `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(3)} ms`
}

function ratio(a: number, b: number): number {
  return round(a / b, 2)
}

function round(value: number, digits: number): number {
  return Math.round(value * 10 ** digits) / 10 ** digits
}

function verdict(ok: boolean): 'PASS' | 'MISS' {
  return ok ? 'PASS' : 'MISS'
}

await main()
