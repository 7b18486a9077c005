// Renders the manifest reference (a table per section) from the schema's descriptions and defaults.
type Schema = {
  $ref?: string
  description?: string
  type?: string
  enum?: unknown[]
  const?: unknown
  default?: unknown
  properties?: Record<string, Schema>
  additionalProperties?: Schema | boolean
  items?: Schema
  required?: string[]
  definitions?: Record<string, Schema>
}

export function renderManifestReference(root: Schema): string {
  const definitions = root.definitions ?? {}
  const resolve = (node: Schema): Schema => (node.$ref ? { ...definitions[node.$ref.split('/').pop()!], description: node.description ?? definitions[node.$ref.split('/').pop()!]?.description } : node)
  const sections: string[] = []
  const queue: [string, Schema, ReadonlySet<string>][] = [['', root, new Set()]]
  while (queue.length > 0) {
    const [prefix, node, ancestorRefs] = queue.shift()!
    const rows: string[] = []
    for (const [key, raw] of Object.entries(node.properties ?? {})) {
      const property = resolve(raw)
      const path = prefix ? `${prefix}.${key}` : key
      const required = node.required?.includes(key) ? ' **(required)**' : ''
      rows.push(`| \`${path}\` | ${typeOf(property, resolve)} | ${defaultOf(property)} | ${escape(property.description ?? '')}${required} |`)
      const ref = property.items?.$ref ?? raw.$ref
      const child = property.items ? resolve(property.items) : property
      const recursive = ref !== undefined && ancestorRefs.has(ref)
      if (child.properties && !recursive) queue.push([property.items ? `${path}[]` : path, child, ref ? new Set([...ancestorRefs, ref]) : ancestorRefs])
    }
    const title = prefix === '' ? 'Top level' : `\`${prefix}\``
    const intro = prefix === '' ? root.description : undefined
    sections.push([`#### ${title}`, intro ?? '', '| key | type | default | description |', '|---|---|---|---|', ...rows].filter(Boolean).join('\n'))
  }
  return sections.join('\n\n')
}

function typeOf(node: Schema, resolve: (node: Schema) => Schema): string {
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``
  if (node.enum) return node.enum.map((value) => `\`${String(value)}\``).join(' \\| ')
  if (node.type === 'array' && node.items) return `list of ${typeOf(resolve(node.items), resolve)}`
  if (node.type === 'object' && typeof node.additionalProperties === 'object') return `map of ${typeOf(resolve(node.additionalProperties), resolve)}`
  return node.type ?? 'mapping'
}

function defaultOf(node: Schema): string {
  if (node.default === undefined) return ''
  const text = JSON.stringify(node.default)
  return text === '{}' ? '' : `\`${escape(text)}\``
}

function escape(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}
