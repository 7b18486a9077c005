// `npm run bench:validate`: times agentor validating 1,000 generated manifests (library call and
// CLI) and a cold single-file CLI run, next to ajv-cli on the same files and schema. Run
// `npx tsc -p tsconfig.json` first: it measures the compiled dist/. Prints figures, never fails on them.
import { mkdtempSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { generateManifests } from './support/manifests.js'
import { assertSucceeded, coldRunTimes, percentile, runNode, runNodeWithUsage } from './support/processes.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const MANIFEST_COUNT = 1000
const COUNT_LABEL = MANIFEST_COUNT.toLocaleString('en-US')
const SEED = 20_251
const COLD_RUNS = 15
const COLD_WARMUPS = 2
const TARGET_BATCH_MS = 2000
const TARGET_COLD_MS = 300

const AGENTOR_CLI = join(ROOT, 'bin/run.js')
const AJV_CLI = join(ROOT, 'node_modules/ajv-cli/dist/index.js')
const SCHEMA = join(ROOT, 'schemas/agent.schema.json')
const COLD_FILE = 'agents/hello.yaml'
/** ajv-cli with the options agentor's own validator is built with (see src/engine/manifest/ajv-options.ts). */
const AJV_OPTIONS = ['--spec=draft7', '--all-errors', '--use-defaults', '--strict=true', '--strict-required=false']

interface Timing {
  wallMs: number
  cpuMs: number
}

interface ColdTiming {
  medianMs: number
  p90Ms: number
}

interface Results {
  library: Timing
  cli: Timing
  ajvBatch: Timing
  agentorCold: ColdTiming
  ajvCold: ColdTiming
}

function main() {
  const dir = mkdtempSync(join(tmpdir(), 'agentor-bench-'))
  try {
    generateManifests(join(ROOT, 'agents'), dir, MANIFEST_COUNT, SEED)
    const results: Results = {
      library: measureLibrary(dir),
      cli: measureAgentorCli(dir),
      ajvBatch: measureAjvBatch(dir),
      ...measureColdSingleFile(),
    }
    console.log(renderTable(results))
    console.log(JSON.stringify(summary(results)))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** One validateManifests() call over all files, timed inside a fresh node process. */
function measureLibrary(dir: string): Timing {
  const run = runNode([join(ROOT, 'bench/support/validate-in-process.mjs'), join(ROOT, 'dist/engine/manifest/validate.js'), dir], ROOT)
  assertSucceeded('validateManifests', run)
  const result = JSON.parse(run.stdout) as Timing & { reports: number; errors: number; firstError?: string }
  if (result.reports !== MANIFEST_COUNT || result.errors > 0) {
    throw new Error(`validateManifests: expected ${MANIFEST_COUNT} valid manifests, got ${result.reports} reports with ${result.errors} errors; first: ${result.firstError}`)
  }
  return { wallMs: result.wallMs, cpuMs: result.cpuMs }
}

function measureAgentorCli(dir: string): Timing {
  const run = runNodeWithUsage([AGENTOR_CLI, 'validate', dir], ROOT)
  assertSucceeded(`agentor validate ${dir}`, run, (stdout) => stdout.includes(`✔ ${MANIFEST_COUNT} manifests valid`))
  return { wallMs: run.wallMs, cpuMs: run.cpuMs }
}

/** One ajv-cli process over all files; it reads the YAML itself (ajv-cli 5 parses .yaml with js-yaml). */
function measureAjvBatch(dir: string): Timing {
  const run = runNodeWithUsage([AJV_CLI, 'validate', '-s', SCHEMA, '-d', join(dir, '*.yaml'), ...AJV_OPTIONS], ROOT)
  const validLines = (stdout: string) => stdout.split('\n').filter((line) => line.endsWith(' valid')).length
  assertSucceeded('ajv-cli validate', run, (stdout) => validLines(stdout) === MANIFEST_COUNT)
  return { wallMs: run.wallMs, cpuMs: run.cpuMs }
}

/** `validate` of one file in a fresh process, agentor and ajv-cli taking turns. */
function measureColdSingleFile(): Pick<Results, 'agentorCold' | 'ajvCold'> {
  const [agentor, ajv] = coldRunTimes([
    [AGENTOR_CLI, 'validate', COLD_FILE],
    [AJV_CLI, 'validate', '-s', SCHEMA, '-d', COLD_FILE, ...AJV_OPTIONS],
  ], ROOT, COLD_RUNS, COLD_WARMUPS)
  return { agentorCold: coldTiming(agentor!), ajvCold: coldTiming(ajv!) }
}

function coldTiming(times: number[]): ColdTiming {
  return { medianMs: percentile(times, 50), p90Ms: percentile(times, 90) }
}

function summary(results: Results) {
  return {
    bench: 'validate',
    node: process.version,
    manifests: MANIFEST_COUNT,
    batch: {
      agentorLibrary: rounded(results.library),
      agentorCli: rounded(results.cli),
      ajvCli: rounded(results.ajvBatch),
      cliToAjvRatio: ratio(results.cli.wallMs, results.ajvBatch.wallMs),
    },
    cold: {
      file: COLD_FILE,
      runs: COLD_RUNS,
      agentorCli: rounded(results.agentorCold),
      ajvCli: rounded(results.ajvCold),
      medianRatio: ratio(results.agentorCold.medianMs, results.ajvCold.medianMs),
    },
    targets: {
      batchMs: TARGET_BATCH_MS,
      coldMs: TARGET_COLD_MS,
      batchLibrary: verdict(results.library.wallMs, TARGET_BATCH_MS),
      batchCli: verdict(results.cli.wallMs, TARGET_BATCH_MS),
      coldMedian: verdict(results.agentorCold.medianMs, TARGET_COLD_MS),
    },
  }
}

function renderTable(results: Results): string {
  const { library, cli, ajvBatch, agentorCold, ajvCold } = results
  const batchTarget = `≤ ${TARGET_BATCH_MS.toLocaleString('en-US')} ms`
  const coldTarget = `≤ ${TARGET_COLD_MS} ms`
  const rows = [
    ['Measure', 'agentor', 'ajv-cli', 'agentor ÷ ajv-cli', 'Target', 'Result'],
    ['---', '---:', '---:', '---:', '---', '---'],
    [`${COUNT_LABEL} manifests, library call in one process (wall / CPU)`, timing(library), '—', '—', batchTarget, verdict(library.wallMs, TARGET_BATCH_MS)],
    [`${COUNT_LABEL} manifests, one CLI process (wall / CPU)`, timing(cli), timing(ajvBatch), `${ratio(cli.wallMs, ajvBatch.wallMs)}×`, batchTarget, verdict(cli.wallMs, TARGET_BATCH_MS)],
    [`Cold single file, median of ${COLD_RUNS}`, ms(agentorCold.medianMs), ms(ajvCold.medianMs), `${ratio(agentorCold.medianMs, ajvCold.medianMs)}×`, coldTarget, verdict(agentorCold.medianMs, TARGET_COLD_MS)],
    [`Cold single file, p90 of ${COLD_RUNS}`, ms(agentorCold.p90Ms), ms(ajvCold.p90Ms), `${ratio(agentorCold.p90Ms, ajvCold.p90Ms)}×`, '—', '—'],
  ]
  const notes = [
    `Node ${process.version} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores), ${process.platform}/${process.arch}.`,
    `${COUNT_LABEL} manifests generated from agents/*.yaml (seed ${SEED}); ajv-cli reads the same YAML files directly (js-yaml), no JSON conversion.`,
    'Library call: validateManifests() from dist/, wall and process.cpuUsage() around the call, in a fresh node process (module imports before the call excluded; the lazy `cron` import inside it included).',
    'CLI rows: wall = spawn to exit as seen by the parent; CPU = user + system from the child\'s process.resourceUsage() at exit (preloaded with --import).',
    `Cold rows: \`node bin/run.js validate ${COLD_FILE}\` vs \`ajv validate -d ${COLD_FILE}\`, taking turns, wall time only, after ${COLD_WARMUPS} unmeasured warm-up rounds.`,
    'ajv-cli checks the schema only; agentor also parses with positions, interpolates ${VAR}s and checks cross-references, cron and templates.',
  ]
  return [...rows.map((cells) => `| ${cells.join(' | ')} |`), '', ...notes.map((note) => `- ${note}`), ''].join('\n')
}

function timing({ wallMs, cpuMs }: Timing): string {
  return `${ms(wallMs)} / ${ms(cpuMs)}`
}

function ms(value: number): string {
  return `${value.toFixed(1)} ms`
}

function ratio(a: number, b: number): number {
  return Math.round((a / b) * 100) / 100
}

function verdict(valueMs: number, targetMs: number): 'PASS' | 'MISS' {
  return valueMs <= targetMs ? 'PASS' : 'MISS'
}

function rounded<T extends object>(figures: T): T {
  return Object.fromEntries(Object.entries(figures).map(([key, value]) => [key, Math.round(value * 10) / 10])) as T
}

main()
