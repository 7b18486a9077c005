import type { Readable } from 'node:stream'

/** Keeps the first `limit` bytes of a stream and counts the rest, which is read and dropped (the producer never blocks on a full pipe). */
export class CappedCapture {
  private readonly chunks: Buffer[] = []
  private kept = 0
  dropped = 0

  constructor(private readonly limit: number) {}

  attach(stream: Readable): void {
    stream.on('data', (chunk: Buffer) => this.push(chunk))
  }

  push(chunk: Buffer): void {
    const room = this.limit - this.kept
    if (room >= chunk.length) {
      this.chunks.push(chunk)
      this.kept += chunk.length
    } else {
      if (room > 0) {
        this.chunks.push(chunk.subarray(0, room))
        this.kept += room
      }
      this.dropped += chunk.length - Math.max(room, 0)
    }
  }

  text(): string {
    const bytes = Buffer.concat(this.chunks)
    // Do not show half a character where the cap cut one.
    let end = bytes.length
    if (this.dropped > 0) {
      let start = end
      while (start > 0 && start > end - 3 && (bytes[start - 1]! & 0xc0) === 0x80) start--
      if (start > 0) {
        const lead = bytes[start - 1]!
        const width = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1
        if (start - 1 + width > end) end = start - 1
      }
    }
    return bytes.subarray(0, end).toString('utf8')
  }
}

function section(name: string, capture: CappedCapture): string {
  const body = capture.text()
  const note = capture.dropped > 0 ? `${body.endsWith('\n') || body === '' ? '' : '\n'}[${name} truncated: ${capture.dropped} more bytes dropped]\n` : ''
  return `--- ${name} ---\n${body}${note}`
}

/** A command's result as the model sees it: status lines (timeout, exit code, notes), then the capped stdout and stderr. */
export function formatCommandResult(statusLines: readonly string[], stdout: CappedCapture, stderr: CappedCapture): string {
  const out = section('stdout', stdout)
  return `${statusLines.join('\n')}\n${out}${out.endsWith('\n') ? '' : '\n'}${section('stderr', stderr)}`
}
