/** ANSI styling, on only for a terminal and never when NO_COLOR is set. */
export function createStyle(stream: NodeJS.WriteStream) {
  const enabled = process.env.FORCE_COLOR ? process.env.FORCE_COLOR !== '0' : Boolean(stream.isTTY) && !process.env.NO_COLOR
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\u001B[${open}m${text}\u001B[${close}m` : text)
  return { red: wrap(31, 39), yellow: wrap(33, 39), cyan: wrap(36, 39), dim: wrap(2, 22), bold: wrap(1, 22), green: wrap(32, 39) }
}

export type Style = ReturnType<typeof createStyle>
