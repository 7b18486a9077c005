import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface NodeRun {
  /** Wall time of the whole child process, spawn to exit, as seen by the parent. */
  wallMs: number
  status: number | null
  stdout: string
  stderr: string
}

export interface MeasuredRun extends NodeRun {
  /** User + system CPU time of the child, from its own process.resourceUsage() at exit. */
  cpuMs: number
}

const USAGE_REPORTER = new URL('report-usage.mjs', import.meta.url).href

/** Runs `node <args>` to completion and times it. */
export function runNode(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): NodeRun {
  const start = performance.now()
  const child = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  const wallMs = performance.now() - start
  if (child.error) throw child.error
  return { wallMs, status: child.status, stdout: child.stdout, stderr: child.stderr }
}

/** Like runNode, but the child also reports its CPU time (through a preloaded exit hook). */
export function runNodeWithUsage(args: readonly string[], cwd: string): MeasuredRun {
  const dir = mkdtempSync(join(tmpdir(), 'agentor-usage-'))
  const usageFile = join(dir, 'usage.json')
  try {
    const run = runNode(['--import', USAGE_REPORTER, ...args], cwd, { ...process.env, BENCH_USAGE_FILE: usageFile })
    const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as NodeJS.ResourceUsage
    return { ...run, cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000 }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Wall times of `runs` fresh processes per command, after `warmups` unmeasured rounds. The commands
 * take turns, so drift in machine load affects them alike. Every run must exit 0.
 */
export function coldRunTimes(commands: readonly (readonly string[])[], cwd: string, runs: number, warmups: number): number[][] {
  const times = commands.map((): number[] => [])
  for (let round = 0; round < warmups + runs; round++) {
    commands.forEach((args, index) => {
      const run = runNode(args, cwd)
      assertSucceeded(`node ${args.join(' ')}`, run)
      if (round >= warmups) times[index]!.push(run.wallMs)
    })
  }
  return times
}

export function assertSucceeded(label: string, run: NodeRun, expectedOutput?: (stdout: string) => boolean) {
  if (run.status === 0 && (!expectedOutput || expectedOutput(run.stdout))) return
  const tail = (text: string) => text.trim().split('\n').slice(-10).join('\n')
  throw new Error(`${label} failed (exit ${run.status})\nstdout:\n${tail(run.stdout)}\nstderr:\n${tail(run.stderr)}`)
}

/** Nearest-rank percentile (0 < p ≤ 100). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!
}
