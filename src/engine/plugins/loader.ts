import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { AgentorError } from '../errors.js'
import type { ResolvedPlugin } from '../manifest/generated/manifest-types.js'
import type { SkillRegistry } from '../skills/registry.js'
import type { AgentorPlugin } from './contract.js'

/** Imports each plugin, lets it register its skills, and checks they are the ones the manifest declares. */
export async function loadPlugins(plugins: readonly ResolvedPlugin[], baseDir: string, registry: SkillRegistry): Promise<AgentorPlugin[]> {
  const loaded: AgentorPlugin[] = []
  for (const entry of plugins) {
    const plugin = await importPlugin(entry.module, baseDir)
    const registered: string[] = []
    try {
      await plugin.setup?.({ options: entry.options, registerSkill: (skill) => { registry.register(skill); registered.push(skill.name) } })
    } catch (error) {
      throw new AgentorError('E_PLUGIN_SETUP', `plugin ${entry.module} failed to set up: ${(error as Error).message}`)
    }
    const declared = [...entry.skills].sort().join(', ')
    if ([...registered].sort().join(', ') !== declared) {
      throw new AgentorError('E_PLUGIN_SKILLS', `plugin ${entry.module} registered [${registered.join(', ')}] but the manifest declares [${declared}]`, 'list exactly the skills the plugin provides under its `skills:`')
    }
    loaded.push(plugin)
  }
  return loaded
}

async function importPlugin(specifier: string, baseDir: string): Promise<AgentorPlugin> {
  let module: { default?: unknown }
  try {
    const path = specifier.startsWith('.') || specifier.startsWith('/') ? resolve(baseDir, specifier) : createRequire(join(baseDir, 'manifest.js')).resolve(specifier)
    module = await import(pathToFileURL(path).href) as { default?: unknown }
  } catch (error) {
    throw new AgentorError('E_PLUGIN_LOAD', `cannot load plugin ${specifier}: ${(error as Error).message.split('\n')[0]}`)
  }
  const plugin = module.default as AgentorPlugin | undefined
  if (!plugin || typeof plugin !== 'object' || typeof plugin.name !== 'string') {
    throw new AgentorError('E_PLUGIN_LOAD', `plugin ${specifier} has no default export \`{ name, setup?, onEvent? }\``)
  }
  return plugin
}
