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
    const message = error.oclif?.exit === 2 ? parserMessage(error.message) : error.message.split('\n')[0]
    process.stderr.write(`agentor: ${prefix}${message}${hint}\n`)
    if (usage) process.stderr.write(`see \`agentor ${this.id?.replace(/:/g, ' ') ?? ''} --help\`\n`)
    this.exit(exitCode)
  }
}

export class UsageError extends Error {}

/**
 * oclif's parser puts the substance of some errors on later lines ("Parsing --top-k" then "Expected
 * an integer greater than or equal to 1 but received: 0"; "Missing 1 required arg:" then its name):
 * one line, without its "See more help" (agentor prints its own pointer to --help).
 */
function parserMessage(message: string): string {
  const [first = '', ...rest] = message.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !line.startsWith('See more help'))
  return rest.length === 0 ? first : `${first.replace(/:$/, '')}: ${rest.map((line) => line.replace(/\s{2,}/, ' — ')).join('; ')}`
}
