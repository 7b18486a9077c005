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
  test('numbers each token of SPEC §12 by first appearance, on the ASCII scan and the string path alike', () => {
    const table = new WordTable()
    const distinct = [...new Set(TEXTS.flatMap(unicodeTokens))]
    for (const text of TEXTS) {
      const numbers = [...table.numbersOf(text)]
      assert.deepEqual(numbers.map((n) => table.word(n)), unicodeTokens(text), text)
    }
    assert.deepEqual(distinct.map((word) => table.find(word)), distinct.map((_, i) => i), 'one number per distinct word, in first-seen order')
    assert.equal(table.size, distinct.length)
    assert.equal(table.find('Rust'), undefined, 'words are stored lowercase')
    assert.equal(table.find('never'), undefined)
    assert.equal(table.size, distinct.length, 'find assigns nothing')
    assert.equal(table.numberOf('never'), distinct.length)
    assert.equal(table.word(distinct.length), 'never')
  })

  test('words that share a hash bucket or a prefix stay apart', () => {
    const table = new WordTable()
    const words = Array.from({ length: 5000 }, (_, i) => `w${i.toString(36)}`).concat(['ab', 'abc', 'abcd', 'abd', 'ba'])
    const numbers = [...table.numbersOf(words.join(' '))]
    assert.deepEqual(numbers, words.map((_, i) => i))
    assert.deepEqual([...table.numbersOf(words.slice().reverse().join(' '))], numbers.slice().reverse())
  })

  test('grows past its initial size and starts over at its limit, between texts only, numbers staying right', () => {
    const words = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}x`)
    for (const limit of [100, 1 << 18]) {
      let clears = 0
      const table = new WordTable({ limit })
      table.onClear(() => clears++)
      // One text never spans a clear: its numbers come from one generation, past the limit if need be.
      const first = [...table.numbersOf(words.join(' '))]
      assert.deepEqual(first, words.map((_, i) => i))
      assert.deepEqual([...table.numbersOf(words.join(' '))], first)
      assert.equal(clears, limit < words.length ? 1 : 0)
      assert.deepEqual(first.map((n) => table.word(n)), words)
      // Single words: a full table starts over before the next one.
      for (const word of words.slice(0, 3 * limit)) table.numberOf(word)
      assert.ok(table.size <= limit)
    }
  })
})
