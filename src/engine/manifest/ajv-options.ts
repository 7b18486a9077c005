import AjvModule, { type Options } from 'ajv'

const Ajv = AjvModule.default ?? AjvModule

/** The one ajv configuration for manifests, shared by the precompiled validator and by tests. */
export function createManifestAjv(extra: Options = {}) {
  return new Ajv({ allErrors: true, useDefaults: true, strict: true, strictRequired: false, ...extra })
}
