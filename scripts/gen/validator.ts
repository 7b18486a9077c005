// Precompiles the manifest schema into a standalone ESM validator, so `agentor validate` does not
// pay for ajv's compiler at start-up.
import standalone from 'ajv/dist/standalone/index.js'
import { createManifestAjv } from '../../src/engine/manifest/ajv-options.js'

export function buildManifestValidatorSource(schema: object): string {
  const ajv = createManifestAjv({ code: { source: true, esm: true } })
  const standaloneCode = standalone.default ?? standalone
  return esmRuntimeImports(standaloneCode(ajv, ajv.compile(schema)))
}

/** ajv's ESM output still `require`s its runtime helpers; turn those into imports. */
function esmRuntimeImports(code: string): string {
  const imports: string[] = []
  const body = code.replace(/require\("([^"]+)"\)/g, (_match, module: string) => {
    const name = `runtime${imports.length}`
    imports.push(`import ${name} from '${module}.js'`)
    return name
  })
  return `${imports.join('\n')}\n${body}`
}
