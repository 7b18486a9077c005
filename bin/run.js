#!/usr/bin/env node
import module from 'node:module'

// Node >= 22.1 caches compiled code between runs; start-up is most of a short command's time.
module.enableCompileCache?.()

const { execute } = await import('../dist/bundle/cli-entry.mjs')
await execute({ dir: import.meta.url })
