import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse } from 'yaml'
import { AgentorError } from '../errors.js'
import { createManifestAjv } from '../manifest/ajv-options.js'
import type { ResolvedScriptedTurn } from '../manifest/generated/manifest-types.js'
import { manifestSchema } from '../manifest/schema-file.js'

/** Reads a `scriptFile`: a YAML or JSON list of scripted turns, checked against the manifest schema. */
export function loadScript(file: string, baseDir: string): ResolvedScriptedTurn[] {
  const path = resolve(baseDir, file)
  let turns: unknown
  try {
    turns = parse(readFileSync(path, 'utf8'), { maxAliasCount: 100 })
  } catch (error) {
    throw new AgentorError('E_SCRIPT_FILE', `cannot read script file ${file}: ${(error as Error).message.split('\n')[0]}`)
  }
  const ajv = createManifestAjv()
  ajv.addSchema(manifestSchema(), 'manifest')
  const validate = ajv.compile({ type: 'array', minItems: 1, items: { $ref: 'manifest#/definitions/scriptedTurn' } })
  if (!validate(turns)) {
    const first = validate.errors![0]!
    throw new AgentorError('E_SCRIPT_FILE', `script file ${file}: turn ${first.instancePath || '(root)'} ${first.message}`, 'each turn has `text`, `toolCalls`, `error` (+ `retryAfter`) or `timeout`')
  }
  return turns as ResolvedScriptedTurn[]
}
