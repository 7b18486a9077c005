// The CLI's entry point, bundled by scripts/bundle.mjs: oclif's runner and the command table it
// reads (package.json `oclif.commands.target`).
export { COMMANDS } from './commands/index.js'
export { execute } from '@oclif/core'
