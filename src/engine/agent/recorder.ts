import type { TranscriptEntry, TranscriptStore } from '../transcript/contract.js'
import type { EventSink, RunEvent, RunEventType } from './events.js'

/** The events of a step, kept until the step ends (`flush`); everything else is written at once. */
const WRITTEN_AT_STEP_END: ReadonlySet<RunEventType> = new Set(['usage', 'assistant_message', 'tool_call', 'tool_result'])

/**
 * Stamps each event with session, run, sequence number, time and turn, writes it to the
 * transcript and passes it to the listener. A model turn's events are written together when the
 * turn ends, before its tools run; tool results together before the next model call; so every
 * step is on disk before the next one starts, in one write instead of several.
 */
export class RunRecorder {
  turn = 0
  private seq: number
  private pending: TranscriptEntry[] = []

  constructor(
    private readonly store: TranscriptStore | undefined,
    readonly sessionId: string,
    readonly runId: string,
    firstSeq: number,
    private readonly listener: EventSink | undefined,
  ) {
    this.seq = firstSeq
  }

  readonly emit: EventSink = (event: RunEvent) => {
    if (event.type !== 'text_delta' && this.store) {
      this.pending.push({ ...event, sessionId: this.sessionId, runId: this.runId, seq: ++this.seq, timestamp: new Date().toISOString(), turn: this.turn })
      if (!WRITTEN_AT_STEP_END.has(event.type)) this.flush()
    }
    this.listener?.(event)
  }

  /** Writes what the step recorded; called before the run waits on anything (a model, a tool). */
  flush(): void {
    if (this.pending.length === 0) return
    this.store!.append(this.pending)
    this.pending = []
  }
}
