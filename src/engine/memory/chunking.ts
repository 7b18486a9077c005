/** A piece of a file, with where it starts. */
export interface Chunk {
  index: number
  /** Character offset of the chunk in the file. */
  offset: number
  text: string
}

/**
 * Splits text into chunks of about `size` characters that share `overlap` characters with the
 * previous one, cutting at a paragraph, line or word boundary near the end when there is one.
 */
export function chunkText(text: string, size: number, overlap: number): Chunk[] {
  const step = Math.max(1, size - Math.min(overlap, size - 1))
  const chunks: Chunk[] = []
  for (let start = 0; start < text.length;) {
    let end = Math.min(text.length, start + size)
    if (end < text.length) end = boundaryBefore(text, start + Math.floor(size / 2), end)
    const piece = text.slice(start, end).trim()
    if (piece) chunks.push({ index: chunks.length, offset: start, text: piece })
    if (end >= text.length) break
    start = Math.max(start + 1, end - (size - step))
  }
  return chunks
}

function boundaryBefore(text: string, from: number, to: number): number {
  for (const separator of ['\n\n', '\n', '. ', ' ']) {
    const at = text.lastIndexOf(separator, to)
    if (at >= from) return at + separator.length
  }
  return to
}
