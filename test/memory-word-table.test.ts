import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { unicodeTokens } from '../src/engine/memory/core/text-prep.js'
import { WordTable } from '../src/engine/memory/core/word-table.js'

const TEXTS = [
  'Rust programming LANGUAGE: rust, RUST and Rust again!',
  'x1 a b 2026 i/o -- snake_case kebab-case CamelCase',
  'Café naïve façade — déjà vu, Straße',
  'emoji 😀😀 rocket🚀 launch',
  '',
  '   ',
]

describe('WordTable', () => {
  test('gives each token of SPEC §12 its value, in order, on the ASCII scan and the string path alike', () => {
    const created: string[] = []
    const table = new WordTable((word) => {
      created.push(word)
      return word.toUpperCase()
    })
    for (const text of TEXTS) assert.deepEqual(table.valuesOf(text), unicodeTokens(text).map((t) => t.toUpperCase()), text)
    assert.deepEqual(created, [...new Set(TEXTS.flatMap(unicodeTokens))], 'one create per distinct word')
    assert.equal(table.get('rust'), 'RUST')
    assert.equal(table.get('Rust'), undefined, 'words are stored lowercase')
    assert.equal(table.get('never'), undefined)
    assert.equal(table.valueOf('never'), 'NEVER')
  })

  test('grows past its initial size and starts over at its limit, values staying right', () => {
    const words = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}x`)
    for (const limit of [100, 1 << 18]) {
      let creates = 0
      let clears = 0
      // Values are creation numbers since the last clear: onClear must run before the value that follows it is created.
      const table = new WordTable(() => creates++ - clears * limit, { limit, onClear: () => clears++ })
      const first = table.valuesOf(words.join(' '))
      assert.deepEqual(first, words.map((_, i) => i % limit))
      assert.deepEqual(table.valuesOf(words.join(' ')), limit < words.length ? words.map((_, i) => (words.length + i) % limit) : first)
      assert.ok(table.size <= limit)
      assert.equal(creates, limit < words.length ? 2 * words.length : words.length)
      assert.equal(clears, limit < words.length ? Math.ceil((2 * words.length) / limit) - 1 : 0)
    }
  })
})
