import type { ApprovalChannel } from './contract.js'

/** Approves everything: the explicit `approval.channel: auto` opt-out, or `agentor run --yes`. */
export function createAutoApprovalChannel(reviewer: string): ApprovalChannel {
  return {
    name: 'auto',
    request: async () => ({ approved: true, reviewer, scope: 'once' }),
  }
}

/** Denies everything with an explanation: approval is needed but nobody can be asked (no terminal). */
export function createUnavailableApprovalChannel(explanation: string): ApprovalChannel {
  return {
    name: 'unavailable',
    request: async () => ({ approved: false, reviewer: 'agentor', reason: explanation, scope: 'once' }),
  }
}
