// Builds a known-item evaluation set from real text nobody here wrote: the descriptions of the
// Debian packages installed on this machine (/var/lib/dpkg/status). Query: a package's one-line
// synopsis; target: its long description (without the synopsis). Written once to bench/data/ and
// committed, so every machine evaluates the same set:  npx tsx bench/support/debian-corpus.ts
import { readFileSync, writeFileSync } from 'node:fs'

export interface DescribedPackage {
  id: string
  synopsis: string
  description: string
}

export function parseDpkgStatus(text: string): DescribedPackage[] {
  const packages = new Map<string, DescribedPackage>()
  for (const stanza of text.split(/\n\n+/)) {
    const name = /^Package: (.+)$/m.exec(stanza)?.[1]
    const match = /^Description: (.+)\n((?: .*\n?)*)/m.exec(stanza)
    if (!name || !match) continue
    const description = match[2]!.split('\n').map((line) => line.replace(/^ /, '')).map((line) => (line === '.' ? '' : line)).join('\n').trim()
    if (description.length >= 120) packages.set(name, { id: name, synopsis: match[1]!.trim(), description })
  }
  return [...packages.values()].sort((a, b) => a.id.localeCompare(b.id))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const packages = parseDpkgStatus(readFileSync('/var/lib/dpkg/status', 'utf8'))
  // Descriptions shared by several packages (e.g. -dev/-doc siblings) cannot be told apart by a query.
  const distinct = packages.filter((pkg, _, all) => all.filter((other) => other.description === pkg.description).length === 1)
  writeFileSync('bench/data/debian-descriptions.jsonl', distinct.map((pkg) => JSON.stringify({ id: pkg.id, text: pkg.description })).join('\n') + '\n')
  writeFileSync('bench/data/debian-queries.jsonl', distinct.map((pkg) => JSON.stringify({ query: pkg.synopsis, ids: [pkg.id] })).join('\n') + '\n')
  console.log(`${distinct.length} packages written to bench/data/`)
}
