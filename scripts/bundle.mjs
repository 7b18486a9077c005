// Bundles the CLI (oclif, our commands, and what they import) into a few ES modules, so a
// command starts by compiling a handful of files instead of resolving ~500 modules. Heavy
// pieces that only some commands need stay separate chunks, loaded when used.
import { build } from 'esbuild'

await build({
  entryPoints: ['src/cli-entry.ts'],
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  mainFields: ['module', 'main'],
  minifyWhitespace: true,
  minifySyntax: true,
  // The SDKs and the HTTP client load lazily, by the commands that use them; dockerode (through ssh2)
  // needs native addons a bundle cannot hold; webdriverio (1.8 MB bundled) only loads for a browser.
  external: ['openai', '@anthropic-ai/sdk', 'undici', 'cron', 'dockerode', 'webdriverio'],
  // CommonJS dependencies inside an ES module bundle still call require().
  banner: { js: "import { createRequire as __agentorRequire } from 'node:module'; const require = __agentorRequire(import.meta.url);" },
  logLevel: 'warning',
})
