// `npm run bench:sandbox`: what a sandboxed `echo` costs through agentor's Docker sandbox, next to the
// bare engine doing the same work, all against the local engine and the image scripts/test-services.sh
// builds (agentor/busybox:1). Cases take turns, round by round, so load from other processes falls on all.
//  - warm: a per-run container already started and verified; one `echo` per call.
//    Peers: a bare exec through dockerode (create, start, read output, inspect), and `docker exec`.
//  - cold: lifetime `call` (or the first call of a run): create, start, canary, `echo`, remove.
//    Peers: a bare dockerode create/start/wait/remove cycle, and `docker run --rm`.
// Prints a markdown table (median, p90, ratio to agentor) and a JSON line; fails if an `echo` is wrong.
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { promisify } from 'node:util'
import Docker from 'dockerode'
import { DockerSandbox } from '../src/engine/sandbox/docker-sandbox.js'
import type { DockerSandboxConfig } from '../src/engine/sandbox/container-spec.js'
import { percentile } from './support/processes.js'

const IMAGE = process.env.AGENTOR_BENCH_IMAGE ?? 'agentor/busybox:1'
const WARM_WARMUPS = 10
const WARM_RUNS = 100
const COLD_WARMUPS = 2
const COLD_RUNS = 20
const run = promisify(execFile)

interface Case {
  mode: 'warm' | 'cold'
  name: string
  agentor: boolean
  once(): Promise<string>
  samples: number[]
}

function config(lifetime: 'run' | 'call'): DockerSandboxConfig {
  return {
    image: IMAGE, memoryMb: 256, cpus: 1, pidsLimit: 256, timeoutSeconds: 30, network: false, readOnlyRoot: true,
    workspaceMount: 'ro', workingDir: '/workspace', env: {}, user: '65534:65534', lifetime, maxOutputBytes: 50_000,
  }
}

async function main(): Promise<void> {
  const docker = new Docker()
  await docker.getImage(IMAGE).inspect().catch(() => { throw new Error(`image ${IMAGE} missing: bash scripts/build-sandbox-image.sh ${IMAGE}`) })
  const workspace = mkdtempSync(join(tmpdir(), 'agentor-sandbox-bench-'))
  const signal = new AbortController().signal
  const sandbox = (lifetime: 'run' | 'call') => new DockerSandbox({ config: config(lifetime), workspace, sessionId: `bench-${lifetime}`, report: () => undefined })
  const warmSandbox = sandbox('run')
  const coldSandbox = sandbox('call')
  const agentorEcho = async (instance: DockerSandbox) => (await instance.run('echo hi', 30_000, signal)).stdout.text()
  await agentorEcho(warmSandbox)
  const peer = await docker.createContainer({ Image: IMAGE, Cmd: ['/bin/sh', '-c', 'while :; do sleep 3600; done'], HostConfig: { NetworkMode: 'none' } })
  await peer.start()
  try {
    const cases: Case[] = [
      { mode: 'warm', name: 'agentor shell, per-run container', agentor: true, once: () => agentorEcho(warmSandbox), samples: [] },
      {
        mode: 'warm', name: 'bare exec (dockerode)', agentor: false, samples: [],
        once: () => bareExec(docker, peer),
      },
      { mode: 'warm', name: '`docker exec`', agentor: false, once: async () => (await run('docker', ['exec', peer.id, 'echo', 'hi'])).stdout, samples: [] },
      { mode: 'cold', name: 'agentor shell, per-call container (create, start, canary, echo, remove)', agentor: true, once: () => agentorEcho(coldSandbox), samples: [] },
      { mode: 'cold', name: 'bare dockerode create/start/wait/remove', agentor: false, once: () => bareCycle(docker), samples: [] },
      { mode: 'cold', name: '`docker run --rm`', agentor: false, once: async () => (await run('docker', ['run', '--rm', '--network', 'none', IMAGE, 'echo', 'hi'])).stdout, samples: [] },
    ]
    for (const [mode, warmups, runs] of [['warm', WARM_WARMUPS, WARM_RUNS], ['cold', COLD_WARMUPS, COLD_RUNS]] as const) {
      const group = cases.filter((entry) => entry.mode === mode)
      for (let round = 0; round < warmups + runs; round++) {
        for (const entry of rotate(group, round)) {
          const started = performance.now()
          const output = await entry.once()
          const elapsed = performance.now() - started
          if (output.trim() !== 'hi') throw new Error(`${entry.name}: expected "hi", got ${JSON.stringify(output)}`)
          if (round >= warmups) entry.samples.push(elapsed)
        }
        if ((round + 1) % 10 === 0) process.stderr.write(`${mode}: round ${round + 1}/${warmups + runs}\n`)
      }
    }
    console.log(renderReport(cases))
    console.log(JSON.stringify(Object.fromEntries(cases.map((entry) => [`${entry.mode}: ${entry.name}`, { medianMs: round1(percentile(entry.samples, 50)), p90Ms: round1(percentile(entry.samples, 90)), runs: entry.samples.length }]))))
  } finally {
    await warmSandbox.close()
    await coldSandbox.close()
    await peer.remove({ force: true })
    rmSync(workspace, { recursive: true, force: true })
  }
}

/** `echo` in a running container with the engine alone: create the exec, start it, read its demultiplexed output, inspect its exit code. */
async function bareExec(docker: Docker, container: Docker.Container): Promise<string> {
  const exec = await container.exec({ Cmd: ['echo', 'hi'], AttachStdout: true, AttachStderr: true })
  const stream = await exec.start({ hijack: true, stdin: false })
  const stdout = new PassThrough()
  let output = ''
  stdout.on('data', (chunk: Buffer) => { output += chunk.toString('utf8') })
  docker.modem.demuxStream(stream, stdout, new PassThrough())
  await once(stream, 'end')
  await exec.inspect()
  return output
}

/** A bare container running `echo` with the engine: create, start, wait, read its log, remove. */
async function bareCycle(docker: Docker): Promise<string> {
  const container = await docker.createContainer({ Image: IMAGE, Cmd: ['echo', 'hi'], HostConfig: { NetworkMode: 'none' } })
  try {
    await container.start()
    await container.wait()
    const log = await container.logs({ stdout: true, stderr: false })
    return log.subarray(8).toString('utf8')
  } finally {
    await container.remove({ force: true })
  }
}

function renderReport(cases: readonly Case[]): string {
  const lines = ['| Case | Median | p90 | ÷ agentor (median) |', '|---|---:|---:|---:|']
  for (const mode of ['warm', 'cold'] as const) {
    const group = cases.filter((entry) => entry.mode === mode)
    const agentorMedian = percentile(group.find((entry) => entry.agentor)!.samples, 50)
    for (const entry of group) {
      const median = percentile(entry.samples, 50)
      lines.push(`| ${mode}: ${entry.name} | ${median.toFixed(1)} ms | ${percentile(entry.samples, 90).toFixed(1)} ms | ${(median / agentorMedian).toFixed(2)}× |`)
    }
  }
  return `${lines.join('\n')}\n\n${WARM_RUNS} warm and ${COLD_RUNS} cold runs per case (after ${WARM_WARMUPS} and ${COLD_WARMUPS} warm-ups), image ${IMAGE}.`
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % items.length
  return [...items.slice(shift), ...items.slice(0, shift)]
}

const round1 = (value: number) => Math.round(value * 10) / 10

await main()
