import type { Embedder, MemoryConfig } from '../contract.js'
import { LocalEmbedder } from './local.js'
import { OpenAIEmbedder } from './openai.js'
import { StemHashEmbedder } from './stem-hash.js'

/** The embedder a manifest's `memory.embedder` describes. */
export function createEmbedder(config: MemoryConfig['embedder']): Embedder {
  switch (config.kind) {
    case 'local':
      return config.features === 'words' ? new LocalEmbedder({ dimension: config.dimension }) : new StemHashEmbedder({ dimension: config.dimension })
    case 'openai':
      return new OpenAIEmbedder({ model: config.model, apiKey: config.apiKey, baseUrl: config.baseUrl, batchSize: config.batchSize })
  }
}
