import type { ResolvedModel } from '../manifest/generated/manifest-types.js'
import type { ModelBackend } from './contract.js'

type BackendFactory = (model: ResolvedModel, baseDir: string) => Promise<ModelBackend>

/** One entry per provider; each loads its SDK only when a manifest uses it. */
const factories: Record<ResolvedModel['provider'], BackendFactory> = {
  openai: async (model) => (await import('./openai-backend.js')).createOpenAIBackend(model),
  anthropic: async (model) => (await import('./anthropic-backend.js')).createAnthropicBackend(model),
  scripted: async (model, baseDir) => {
    const [{ createScriptedBackend }, { loadScript }] = await Promise.all([import('./scripted-backend.js'), import('./scripted-script.js')])
    return createScriptedBackend(model, model.script ?? loadScript(model.scriptFile!, baseDir))
  },
}

export function createBackend(model: ResolvedModel, baseDir: string): Promise<ModelBackend> {
  return factories[model.provider](model, baseDir)
}
