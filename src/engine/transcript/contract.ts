import type { RunEvent } from '../agent/events.js'

/** One transcript line: an event with where and when it happened. */
export type TranscriptEntry = RunEvent & {
  sessionId: string
  runId: string
  /** Position of the line in its session file, from 1. */
  seq: number
  timestamp: string
  turn: number
}

export interface TranscriptRead {
  entries: TranscriptEntry[]
  /** Lines that could not be parsed, skipped: `line N: reason`. */
  warnings: string[]
}

export interface SessionSummary {
  sessionId: string
  startedAt: string
  updatedAt: string
  runs: number
  events: number
  lastStatus?: 'completed' | 'failed'
  /** First user message, shortened. */
  firstTask?: string
}

export interface TranscriptStore {
  /** Appends the entries in one write. */
  append(entries: readonly TranscriptEntry[]): void
  read(sessionId: string): TranscriptRead
  list(): SessionSummary[]
}
