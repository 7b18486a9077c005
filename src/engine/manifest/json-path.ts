export type PathSegment = string | number

/** `['model', 'fallbacks', 0, 'name']` → `$.model.fallbacks[0].name`. */
export function formatJsonPath(path: readonly PathSegment[]): string {
  let text = '$'
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) text += `.${segment}`
    else text += `[${JSON.stringify(segment)}]`
  }
  return text
}

/** ajv's instancePath (`/model/fallbacks/0`) → path segments, array indexes as numbers. */
export function parseJsonPointer(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return []
  const segments: PathSegment[] = []
  let node = data
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    const segment = Array.isArray(node) ? Number(key) : key
    segments.push(segment)
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined
  }
  return segments
}
