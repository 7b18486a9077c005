import { randomBytes } from 'node:crypto'
import { AgentorError } from '../errors.js'

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** A new, sortable session id: UTC time plus randomness, e.g. `20261123T221503Z-3f9a1c`. */
export function newSessionId(now = new Date()): string {
  return `${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`
}

/** Session ids become file names, so only a safe alphabet is accepted. */
export function assertSessionId(sessionId: string): string {
  if (!SESSION_ID.test(sessionId) || sessionId.includes('..')) {
    throw new AgentorError('E_SESSION_ID', `invalid session id \`${sessionId}\``, 'session ids use letters, digits, `.`, `_` and `-`, up to 128 characters')
  }
  return sessionId
}
