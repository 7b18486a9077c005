/** Every error the engine raises on purpose carries a stable code that users and tests can match on. */
export class AgentorError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message)
    this.name = 'AgentorError'
  }
}
