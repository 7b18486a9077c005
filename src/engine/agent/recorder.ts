import type { TranscriptStore } from '../transcript/contract.js'
import type { EventSink, RunEvent } from './events.js'

/**
 * Stamps each event with session, run, sequence number, time and turn, writes it to the
 * transcript (synchronously, before the run moves on) and passes it to the listener.
 */
export class RunRecorder {
  turn = 0
  private seq: number

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
    if (event.type !== 'text_delta') {
      this.store?.append({ ...event, sessionId: this.sessionId, runId: this.runId, seq: ++this.seq, timestamp: new Date().toISOString(), turn: this.turn })
    }
    this.listener?.(event)
  }
}
