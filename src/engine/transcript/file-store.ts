import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { SessionSummary, TranscriptEntry, TranscriptRead, TranscriptStore } from './contract.js'
import { assertSessionId } from './session-id.js'

/**
 * One JSONL file per session, `<dir>/<session>.jsonl`. Entries are appended in one write of whole
 * lines, so a process killed at any moment leaves only whole lines behind.
 */
export class FileTranscriptStore implements TranscriptStore {
  private directoryReady = false

  constructor(
    readonly dir: string,
    private readonly redact: (line: string) => string = (line) => line,
  ) {}

  append(entries: readonly TranscriptEntry[]): void {
    if (entries.length === 0) return
    if (!this.directoryReady) {
      mkdirSync(this.dir, { recursive: true })
      this.directoryReady = true
    }
    const lines = entries.map((entry) => `${this.redact(JSON.stringify(entry))}\n`).join('')
    appendFileSync(this.fileOf(entries[0]!.sessionId), lines)
  }

  read(sessionId: string): TranscriptRead {
    const file = this.fileOf(sessionId)
    if (!existsSync(file)) return { entries: [], warnings: [] }
    const entries: TranscriptEntry[] = []
    const warnings: string[] = []
    readFileSync(file, 'utf8').split('\n').forEach((line, index) => {
      if (line.trim() === '') return
      try {
        const entry = JSON.parse(line) as TranscriptEntry
        if (typeof entry?.type !== 'string' || typeof entry.seq !== 'number') throw new Error('not a transcript entry')
        entries.push(entry)
      } catch (error) {
        warnings.push(`line ${index + 1}: ${(error as Error).message}`)
      }
    })
    return { entries, warnings }
  }

  list(): SessionSummary[] {
    if (!existsSync(this.dir)) return []
    return readdirSync(this.dir)
      .filter((name) => name.endsWith('.jsonl'))
      .map((name) => this.summarise(name.slice(0, -'.jsonl'.length)))
      .filter((summary): summary is SessionSummary => summary !== undefined)
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))
  }

  /** Lines already written for a session, so a resumed run continues the numbering. */
  lastSeq(sessionId: string): number {
    return this.read(sessionId).entries.at(-1)?.seq ?? 0
  }

  private summarise(sessionId: string): SessionSummary | undefined {
    const { entries } = this.read(sessionId)
    if (entries.length === 0) return undefined
    const ends = entries.filter((entry) => entry.type === 'run_end')
    const firstTask = entries.find((entry) => entry.type === 'user_message')
    return {
      sessionId,
      startedAt: entries[0]!.timestamp,
      updatedAt: entries.at(-1)!.timestamp,
      runs: entries.filter((entry) => entry.type === 'run_start').length,
      events: entries.length,
      ...(ends.length ? { lastStatus: (ends.at(-1) as { status: 'completed' | 'failed' }).status } : {}),
      ...(firstTask?.type === 'user_message' ? { firstTask: firstTask.content.slice(0, 80) } : {}),
    }
  }

  private fileOf(sessionId: string): string {
    return join(this.dir, `${assertSessionId(sessionId)}.jsonl`)
  }
}
