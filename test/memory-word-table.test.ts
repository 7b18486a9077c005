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

  test('grows past its initial size and starts over at its limit, between texts only, values staying right', () => {
    const words = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}x`)
    for (const limit of [100, 1 << 18]) {
      let creates = 0
      let sinceClear = 0
      let clears = 0
      const table = new WordTable(() => (creates++, sinceClear++), { limit, onClear: () => ((sinceClear = 0), clears++) })
      // One text never spans a clear: its values are numbered within one generation, past the limit if need be.
      const first = table.valuesOf(words.join(' '))
      assert.deepEqual(first, words.map((_, i) => i))
      assert.deepEqual(table.valuesOf(words.join(' ')), first)
      assert.equal(clears, limit < words.length ? 1 : 0)
      assert.equal(creates, limit < words.length ? 2 * words.length : words.length)
      // Single words: a full table starts over before the next one.
      for (const word of words.slice(0, 3 * limit)) table.valueOf(word)
      assert.ok(table.size <= limit)
    }
  })
})
