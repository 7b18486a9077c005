import type { RiskLevel } from '../skills/contract.js'

export interface ApprovalRequest {
  /** Unique per request; replies are matched on it. */
  id: string
  sessionId: string
  toolName: string
  arguments: unknown
  risk: RiskLevel
  /** Why approval is needed, e.g. "approval.require lists shell". */
  because: string
}

export interface ApprovalDecision {
  approved: boolean
  reviewer: string
  reason?: string
  /** `session`: also approve later calls of this tool in this session, until the grant expires. */
  scope: 'once' | 'session'
}

/** Asks a person (or a policy) whether a tool call may run. Implementations: auto, stdin, websocket. */
export interface ApprovalChannel {
  readonly name: string
  /** Resolves with the decision; the gate denies on timeout (by aborting `signal`) or on any error. */
  request(request: ApprovalRequest, signal: AbortSignal): Promise<ApprovalDecision>
}
