// agentor as a library, for the warm measurement: loadManifest + compile once, then engine.run()
// per task, transcripts enabled. The manifest reads the server URL from AGENTOR_BENCH_BASE_URL.
import { fileURLToPath } from 'node:url'
import { compile, loadManifest } from '../../dist/index.js'

export const MANIFEST = fileURLToPath(new URL('agent.yaml', import.meta.url))

export default async function setup() {
  const { manifest } = await loadManifest(MANIFEST)
  const engine = await compile(manifest, { manifestPath: MANIFEST })
  return async (task) => {
    const result = await engine.run(task)
    if (result.status !== 'completed') throw new Error(`agentor run failed: ${result.reason}`)
    return result.output
  }
}
