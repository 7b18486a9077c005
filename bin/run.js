#!/usr/bin/env node
import module from 'node:module'

// Node >= 22.1 caches compiled code between runs; start-up is most of a short command's time.
module.enableCompileCache?.()

const bundle = new URL('../dist/bundle/cli-entry.mjs', import.meta.url)
let cli
try {
  cli = await import(bundle.href)
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || error?.url !== bundle.href) throw error
  process.stderr.write('agentor: not built yet; run `npm run build` (or `bash scripts/setup.sh`) in the agentor checkout\n')
  process.exit(1)
}
await cli.execute({ dir: import.meta.url })
