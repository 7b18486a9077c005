import { Command, Errors } from '@oclif/core'
import { AgentorError } from '../engine/errors.js'

/**
 * Every command's errors end here: a located, one-line message and the documented exit code
 * (2 for usage errors, 1 for everything else). Stack traces only with AGENTOR_DEBUG=1.
 */
export abstract class AgentorCommand extends Command {
  protected override async catch(error: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<void> {
    if (error instanceof Errors.ExitError) throw error
    const usage = error.oclif?.exit === 2 || error.name === 'RequiredArgsError' || error.name === 'FailedFlagValidationError' || error instanceof UsageError
    const exitCode = usage ? 2 : 1
    if (process.env.AGENTOR_DEBUG) process.stderr.write(`${error.stack}\n`)
    const hint = error instanceof AgentorError && error.hint ? `\nhint: ${error.hint}` : ''
    const prefix = error instanceof AgentorError ? `${error.code}: ` : usage ? '' : 'internal error: '
    process.stderr.write(`agentor: ${prefix}${error.message.split('\n')[0]}${hint}\n`)
    if (usage) process.stderr.write(`see \`agentor ${this.id?.replace(/:/g, ' ') ?? ''} --help\`\n`)
    this.exit(exitCode)
  }
}

export class UsageError extends Error {}
