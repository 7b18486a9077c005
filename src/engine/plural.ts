/** "1 file", "2 files": a count with its noun, plural by adding s. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}
