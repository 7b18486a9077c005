// Compiles the AssemblyScript ranking core (src/engine/memory/core/assembly/ranking.as) into
// dist/wasm/ranking.wasm with -O3 and SIMD. Usage:
//   node scripts/build-wasm.mjs [--out <file.wasm>] [--wat] [--quiet]
// The source is named `.as` so that tsc (include: ["src"]) skips it; it is handed to the compiler
// as `ranking.ts`. The output is written to a temporary file and renamed, so a concurrent reader
// never sees half a module. The loader (src/engine/memory/core/ranking-core.ts) looks for
// dist/wasm/ranking.wasm from both src/ (under tsx) and dist/ (and dist/bundle/).
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const sourceDir = path.join(root, 'src/engine/memory/core/assembly')
const entry = path.join(sourceDir, 'ranking.ts')

export const defaultOutFile = path.join(root, 'dist/wasm/ranking.wasm')

export const compilerFlags = [
  '-O3',
  '--enable', 'simd',
  '--runtime', 'minimal',
  '--noAssert',
]

/**
 * Builds the module; returns { outFile, bytes, ms }. Throws with the compiler's diagnostics.
 * @param {{ outFile?: string, wat?: boolean, quiet?: boolean }} [options]
 */
export async function buildWasm(options = {}) {
  const outFile = path.resolve(options.outFile ?? defaultOutFile)
  const started = performance.now()
  // Loaded here, not at the top, so that ensureWasm() costs nothing when the output is current.
  const { default: asc } = await import('assemblyscript/asc')
  /** @type {Map<string, Uint8Array | string>} */
  const outputs = new Map()
  let diagnostics = ''
  const sink = { write(chunk) { diagnostics += String(chunk); return true } }
  const args = [path.relative(root, entry), '--outFile', 'out.wasm', ...compilerFlags]
  if (options.wat) args.push('--textFile', 'out.wat')
  const { error } = await asc.main(args, {
    stdout: sink,
    stderr: sink,
    // Our sources are `*.as` on disk; everything else (the standard library) is built in.
    readFile: async (name, baseDir) => {
      const file = path.resolve(baseDir, name)
      const candidates = file.startsWith(sourceDir + path.sep) && file.endsWith('.ts') ? [file.slice(0, -3) + '.as'] : [file]
      for (const candidate of candidates) {
        try { return await readFile(candidate, 'utf8') } catch { /* try the next */ }
      }
      return null
    },
    writeFile: async (name, contents) => { outputs.set(name, contents) },
    listFiles: async () => [],
    baseDir: root,
  })
  if (error) throw new Error(`AssemblyScript compilation failed: ${error.message}\n${diagnostics}`)
  const binary = outputs.get('out.wasm')
  if (!(binary instanceof Uint8Array)) throw new Error(`AssemblyScript produced no binary\n${diagnostics}`)
  await mkdir(path.dirname(outFile), { recursive: true })
  const tmp = `${outFile}.${process.pid}.${Date.now()}.tmp`
  await writeFile(tmp, binary)
  await rename(tmp, outFile)
  if (options.wat) await writeFile(outFile.replace(/\.wasm$/, '') + '.wat', String(outputs.get('out.wat') ?? ''))
  const ms = performance.now() - started
  if (!options.quiet) {
    const { size } = await stat(outFile)
    console.log(`build-wasm: ${path.relative(process.cwd(), outFile)} ${size} bytes (${(size / 1024).toFixed(1)} KiB) in ${(ms / 1000).toFixed(2)} s`)
  }
  return { outFile, bytes: binary.byteLength, ms }
}

/** Builds only when the output is missing or older than a source file. */
export async function ensureWasm(options = {}) {
  const outFile = path.resolve(options.outFile ?? defaultOutFile)
  if (existsSync(outFile)) {
    const [out, src] = await Promise.all([stat(outFile), stat(path.join(sourceDir, 'ranking.as'))])
    if (out.mtimeMs >= src.mtimeMs) return { outFile, bytes: out.size, ms: 0 }
  }
  return buildWasm({ ...options, quiet: options.quiet ?? true })
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2)
  const outIndex = argv.indexOf('--out')
  try {
    await buildWasm({
      outFile: outIndex >= 0 ? argv[outIndex + 1] : undefined,
      wat: argv.includes('--wat'),
      quiet: argv.includes('--quiet'),
    })
  } catch (err) {
    console.error(err instanceof Error ? err.message : err)
    process.exitCode = 1
  }
}
