import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'

const schema = JSON.parse(readFileSync('schemas/agent.schema.json', 'utf8')) as Record<string, unknown>

type Node = { properties?: Record<string, Node & { default?: unknown; description?: string }>; required?: string[] }

function* objectSchemas(node: unknown, path = '#'): Generator<[string, Node]> {
  if (!node || typeof node !== 'object') return
  if ((node as Node).properties) yield [path, node as Node]
  for (const [key, child] of Object.entries(node)) yield* objectSchemas(child, `${path}/${key}`)
}

test('no required key has a default, so a missing one is reported instead of silently filled in', () => {
  for (const [path, node] of objectSchemas(schema)) {
    for (const key of node.required ?? []) assert.equal(node.properties?.[key]?.default, undefined, `${path}/properties/${key}`)
  }
})

test('every manifest field has a description, so editors can show it', () => {
  for (const [path, node] of objectSchemas(schema)) {
    if (path.includes('/if')) continue
    for (const [key, property] of Object.entries(node.properties ?? {})) assert.ok(property.description || '$ref' in property, `${path}/properties/${key} has no description`)
  }
})
