import { randomUUID } from 'node:crypto'
import type { EventSink } from '../agent/events.js'
import type { ResolvedApproval } from '../manifest/generated/manifest-types.js'
import type { RiskLevel } from '../skills/contract.js'
import type { ApprovalChannel, ApprovalDecision } from './contract.js'

const RISK_ORDER: readonly RiskLevel[] = ['low', 'medium', 'high', 'critical']

export interface GatedCall {
  callId: string
  name: string
  arguments: unknown
  risk: RiskLevel
  sessionId: string
}

/**
 * Decides whether a tool call may run: calls the manifest names (by skill or risk level) go to the
 * approval channel, one request at a time. Fails closed: a timeout, a channel error or an abort
 * is a denial. "Approve for the session" grants last `grantTtlSeconds`.
 */
export class ApprovalGate {
  private readonly grants = new Map<string, number>()
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly policy: ResolvedApproval,
    private readonly channel: ApprovalChannel,
    private readonly now: () => number = Date.now,
  ) {}

  /** Why this call needs approval, or undefined when it does not. */
  reasonFor(name: string, risk: RiskLevel): string | undefined {
    if (this.policy.require.includes(name)) return `approval.require lists ${name}`
    if (this.policy.minRisk && RISK_ORDER.indexOf(risk) >= RISK_ORDER.indexOf(this.policy.minRisk)) return `${name} is ${risk} risk (approval.minRisk: ${this.policy.minRisk})`
    return undefined
  }

  async check(call: GatedCall, emit: EventSink, signal: AbortSignal): Promise<ApprovalDecision | undefined> {
    const because = this.reasonFor(call.name, call.risk)
    if (!because) return undefined
    const grantKey = `${call.sessionId}\u0000${call.name}`
    if ((this.grants.get(grantKey) ?? 0) > this.now()) {
      const decision: ApprovalDecision = { approved: true, reviewer: 'session grant', scope: 'session' }
      emit({ type: 'approval_decision', callId: call.callId, name: call.name, ...decision })
      return decision
    }
    emit({ type: 'approval_request', callId: call.callId, name: call.name, risk: call.risk, because, channel: this.channel.name })
    const decision = await this.serialised(() => this.ask(call, because, signal))
    if (decision.approved && decision.scope === 'session') this.grants.set(grantKey, this.now() + this.policy.grantTtlSeconds * 1000)
    emit({ type: 'approval_decision', callId: call.callId, name: call.name, ...decision })
    return decision
  }

  /** A question the agent puts to a person (`human_approval`): always asked, never covered by a grant. */
  async askPerson(call: GatedCall, summary: string, emit: EventSink, signal: AbortSignal): Promise<ApprovalDecision> {
    emit({ type: 'approval_request', callId: call.callId, name: call.name, risk: call.risk, because: summary, channel: this.channel.name })
    const decision = await this.serialised(() => this.ask(call, summary, signal))
    const once: ApprovalDecision = { ...decision, scope: 'once' }
    emit({ type: 'approval_decision', callId: call.callId, name: call.name, ...once })
    return once
  }

  private async ask(call: GatedCall, because: string, signal: AbortSignal): Promise<ApprovalDecision> {
    const timeout = AbortSignal.timeout(this.policy.timeoutSeconds * 1000)
    const combined = AbortSignal.any([signal, timeout])
    const deny = (reason: string): ApprovalDecision => ({ approved: false, reviewer: 'agentor', reason, scope: 'once' })
    const abandoned = new Promise<ApprovalDecision>((resolve) => {
      combined.addEventListener('abort', () => resolve(deny(timeout.aborted ? `no answer within ${this.policy.timeoutSeconds}s` : 'the run was interrupted')), { once: true })
    })
    try {
      const request = { id: randomUUID(), sessionId: call.sessionId, toolName: call.name, arguments: call.arguments, risk: call.risk, because }
      return await Promise.race([this.channel.request(request, combined), abandoned])
    } catch (error) {
      return deny(`approval channel failed: ${(error as Error)?.message ?? String(error)}`)
    }
  }

  private serialised<T>(task: () => Promise<T>): Promise<T> {
    const result = this.queue.then(task, task)
    this.queue = result.catch(() => undefined)
    return result
  }
}
