// The shape of a manifest after ajv has filled in the schema's defaults: every property that has a
// default is present, so it is required here. Definitions are retitled `Resolved…` so both sets of
// generated types can live in one module.
type Schema = Record<string, unknown>

export function withDefaultsRequired(schema: Schema): Schema {
  const copy = structuredClone(schema)
  copy.title = `Resolved${copy.title as string}`
  const definitions = (copy.definitions ?? {}) as Record<string, Schema>
  for (const [name, definition] of Object.entries(definitions)) definition.title = `Resolved${pascalCase(name)}`
  visit(copy)
  return copy
}

function visit(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(visit)
  if (!node || typeof node !== 'object') return
  const schema = node as Schema
  // Conditional requirements cannot be expressed in the generated types (and make the generator recurse).
  delete schema.if
  delete schema.then
  const properties = schema.properties as Record<string, Schema> | undefined
  if (properties) {
    const required = new Set((schema.required as string[] | undefined) ?? [])
    for (const [key, property] of Object.entries(properties)) if ('default' in property) required.add(key)
    schema.required = [...required]
  }
  for (const value of Object.values(schema)) visit(value)
}

function pascalCase(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1)
}
