import { Args } from '@oclif/core'
import type { MemoryHit } from '../engine/memory/contract.js'

export const manifestArg = { manifest: Args.string({ description: 'the agent manifest whose memory to use', required: true }) }

/** The manifest's memory store, with notices (e.g. FAISS unavailable) on stderr. */
export async function openMemory(manifestPath: string) {
  const [{ loadManifest }, { MemoryStore, memoryDir }, { dirname, resolve }] = await Promise.all([
    import('../engine/manifest/load.js'), import('../engine/memory/store.js'), import('node:path'),
  ])
  const { manifest } = await loadManifest(manifestPath)
  const baseDir = dirname(resolve(manifestPath))
  const store = await MemoryStore.open(memoryDir(baseDir, manifest.memory), manifest.memory, { onNotice: (message) => process.stderr.write(`agentor: ${message}\n`) })
  return { store, manifest, baseDir }
}

export interface SearchFlags {
  'top-k': number
  alpha?: string
  session?: string
}

/** Runs the search `memory search` and `memory explain` share, and closes the store after `render`. */
export async function searchMemory(manifestPath: string, query: string, flags: SearchFlags, render: (hits: MemoryHit[]) => void): Promise<void> {
  const { parseAlpha } = await import('./memory-flags.js')
  const { store } = await openMemory(manifestPath)
  try {
    render(await store.search(query, { topK: flags['top-k'], ...parseAlpha(flags.alpha), ...(flags.session ? { session: flags.session } : {}) }))
  } finally {
    await store.close()
  }
}
