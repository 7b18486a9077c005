/** Replaces every occurrence of the given secret values with `[REDACTED]`. */
export function createRedactor(secrets: Iterable<string | undefined>): (text: string) => string {
  const values = [...new Set([...secrets].filter((secret): secret is string => typeof secret === 'string' && secret.length >= 8))]
    .sort((a, b) => b.length - a.length)
  if (values.length === 0) return (text) => text
  const forms = values.flatMap((value) => [value, JSON.stringify(value).slice(1, -1)])
  const pattern = new RegExp([...new Set(forms)].map(escapeRegExp).join('|'), 'g')
  return (text) => text.replace(pattern, '[REDACTED]')
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
