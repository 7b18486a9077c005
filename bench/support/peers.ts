import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** The peer frameworks and tools the benchmarks compare against: a package of their own, installed on first use. */
export const PEERS = join(ROOT, 'bench/peers')

export function ensurePeers(progress: (message: string) => void) {
  const wanted = (JSON.parse(readFileSync(join(PEERS, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies
  const installed = (name: string) => { try { return installedVersion(PEERS, name) } catch { return undefined } }
  if (Object.entries(wanted).every(([name, version]) => installed(name) === version)) return
  progress('installing the peer frameworks: npm install --prefix bench/peers')
  const npm = spawnSync('npm', ['install', '--prefix', PEERS, '--no-audit', '--no-fund'], { cwd: ROOT, stdio: ['ignore', 2, 2] })
  if (npm.status !== 0) throw new Error(`npm install --prefix bench/peers failed (exit ${npm.status})`)
}

export function installedVersion(fromDir: string, name: string): string {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', name, 'package.json')
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version
    if (dirname(dir) === dir) throw new Error(`${name} is not installed for ${fromDir}`)
  }
}
