import { Args } from '@oclif/core'

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
