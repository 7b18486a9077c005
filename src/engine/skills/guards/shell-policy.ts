import { posix } from 'node:path'
import { SkillError } from '../contract.js'

/**
 * Shell command policy: the `deny` regexes, and (when `allow` is set) a conservative parse of the
 * POSIX `sh` command line that finds every program it would run. The parser fails closed: anything
 * it cannot account for (command substitution, subshells, here-documents, expansions in a program
 * name or a redirection target, unterminated quotes) is refused rather than guessed at.
 */
export interface ShellPolicy {
  /** Program names (basenames) that may run. Unset means any program. */
  allow?: string[]
  /** Regular expressions; a command matching any of them is refused. */
  deny: string[]
}

export interface Redirection {
  /** The operator: `>`, `>>`, `>|`, `<`, `<>`, `>&`, `<&`, `&>`. */
  op: string
  /** The target after quote removal. */
  target: string
}

export interface SimpleCommand {
  /** Leading `NAME=value` words. */
  assignments: string[]
  /** Basename of the program, or undefined for a command made only of assignments/redirections. */
  program?: string
  /** Remaining words after quote removal. */
  args: string[]
  redirections: Redirection[]
}

export interface PolicyDecision {
  /** Parsed commands (empty when no allowlist is set: the command is then not parsed). */
  commands: SimpleCommand[]
  /** File redirection targets (not fd duplications, not `/dev/null`) the caller must confine to the workspace. */
  redirectTargets: string[]
}

/** Redirection targets that are always harmless. */
const HARMLESS_TARGETS = new Set(['/dev/null'])

/** Variables whose assignment changes which program runs or injects code; refused under an allowlist. */
const DANGEROUS_ASSIGNMENT = /^(PATH|IFS|ENV|BASH_ENV|SHELLOPTS|BASHOPTS|PS4|PROMPT_COMMAND|LD_[A-Z_]*|DYLD_[A-Z_]*|NODE_OPTIONS|PYTHONSTARTUP|PERL5OPT|GIT_[A-Z_]*)$/

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=/

interface Word {
  /** Value after quote removal (expansions left as written). */
  text: string
  /** Source text, quotes and escapes included. */
  raw: string
  /** Contains a `$` expansion outside single quotes. */
  expands: boolean
  /** Contains an unquoted glob or brace character. */
  glob: boolean
  /** Starts with an unquoted `~`. */
  tilde: boolean
}

interface RawCommand {
  words: Word[]
  redirections: { op: string, target: Word }[]
}

function refuse(reason: string): never {
  throw new SkillError(`command refused: ${reason}`)
}

/** Refuses the command if a `deny` pattern matches it. An invalid pattern refuses too (fail closed). */
export function checkDeny(command: string, deny: readonly string[]): void {
  for (const pattern of deny) {
    let regex: RegExp
    try {
      regex = new RegExp(pattern)
    } catch {
      refuse(`deny pattern /${pattern}/ is not a valid regular expression`)
    }
    if (regex.test(command)) refuse(`matches deny pattern /${pattern}/`)
  }
}

/** Splits a command line into simple commands (on `|`, `||`, `&&`, `;`, `&`, newlines). Throws SkillError on anything it cannot analyse. */
export function parseCommandLine(command: string): SimpleCommand[] {
  const raws: RawCommand[] = [{ words: [], redirections: [] }]
  let word: Word | undefined
  let pendingOp: string | undefined
  const length = command.length

  const current = (): RawCommand => raws[raws.length - 1]!
  const startWord = (): Word => (word ??= { text: '', raw: '', expands: false, glob: false, tilde: false })
  const endWord = (): void => {
    if (!word) return
    if (pendingOp !== undefined) {
      current().redirections.push({ op: pendingOp, target: word })
      pendingOp = undefined
    } else {
      current().words.push(word)
    }
    word = undefined
  }
  const separate = (): void => {
    endWord()
    if (pendingOp !== undefined) refuse(`redirection '${pendingOp}' has no target`)
    raws.push({ words: [], redirections: [] })
  }

  let i = 0
  while (i < length) {
    const c = command[i]!
    const next = command[i + 1]
    if (c === '\\') {
      if (next === '\n') { i += 2; continue }
      if (next === undefined) refuse('trailing backslash')
      const w = startWord()
      w.text += next
      w.raw += c + next
      i += 2
    } else if (c === "'") {
      const close = command.indexOf("'", i + 1)
      if (close < 0) refuse('unterminated single quote')
      const w = startWord()
      w.text += command.slice(i + 1, close)
      w.raw += command.slice(i, close + 1)
      i = close + 1
    } else if (c === '"') {
      const w = startWord()
      let j = i + 1
      while (j < length && command[j] !== '"') {
        const d = command[j]!
        if (d === '\\' && j + 1 < length && '$`"\\\n'.includes(command[j + 1]!)) {
          if (command[j + 1] !== '\n') w.text += command[j + 1]
          j += 2
        } else if (d === '`') {
          refuse('command substitution (backticks)')
        } else if (d === '$') {
          if (command[j + 1] === '(') refuse('command substitution ($(...))')
          if (command[j + 1] === '{') {
            const end = parameterExpansionEnd(command, j)
            w.text += command.slice(j, end)
            j = end
          } else {
            w.text += d
            j++
          }
          w.expands = true
        } else {
          w.text += d
          j++
        }
      }
      if (j >= length) refuse('unterminated double quote')
      w.raw += command.slice(i, j + 1)
      i = j + 1
    } else if (c === '`') {
      refuse('command substitution (backticks)')
    } else if (c === '$') {
      if (next === '(') refuse('command substitution ($(...))')
      const w = startWord()
      w.expands = true
      if (next === '{') {
        const end = parameterExpansionEnd(command, i)
        w.text += command.slice(i, end)
        w.raw += command.slice(i, end)
        i = end
      } else {
        w.text += c
        w.raw += c
        i++
      }
    } else if (c === ' ' || c === '\t') {
      endWord()
      i++
    } else if (c === '\n' || c === ';') {
      separate()
      i++
    } else if (c === '&') {
      if (next === '>') {
        endWord()
        if (pendingOp !== undefined) refuse(`redirection '${pendingOp}' has no target`)
        pendingOp = command[i + 2] === '>' ? '&>>' : '&>'
        i += pendingOp.length
      } else {
        separate()
        i += next === '&' ? 2 : 1
      }
    } else if (c === '|') {
      separate()
      i += next === '|' || next === '&' ? 2 : 1
    } else if (c === '(' || c === ')') {
      refuse('subshells, grouping parentheses and process substitution are not allowed')
    } else if (c === '<' || c === '>') {
      if (word && /^\d+$/.test(word.raw)) word = undefined // the fd number of `2>file`
      else endWord()
      if (pendingOp !== undefined) refuse(`redirection '${pendingOp}' has no target`)
      let op = c
      if (c === '<') {
        if (next === '<') refuse('here-documents are not allowed')
        if (next === '>' || next === '&') op += next
      } else if (next === '>' || next === '&' || next === '|') {
        op += next
      }
      if (command[i + op.length] === '(') refuse('process substitution is not allowed')
      pendingOp = op
      i += op.length
    } else if (c === '#' && !word) {
      // A comment runs to the end of the line, as in `sh`.
      while (i < length && command[i] !== '\n') i++
    } else {
      const w = startWord()
      if (c === '*' || c === '?' || c === '[' || c === '{') w.glob = true // `{` also covers brace expansion and grouping
      if (c === '~' && w.raw === '') w.tilde = true
      w.text += c
      w.raw += c
      i++
    }
  }
  endWord()
  if (pendingOp !== undefined) refuse(`redirection '${pendingOp}' has no target`)

  return raws
    .filter((raw) => raw.words.length > 0 || raw.redirections.length > 0)
    .map(toSimpleCommand)
}

/** End (exclusive) of the `${...}` starting at `start`; refuses contents that could hide words, operators or substitutions. */
function parameterExpansionEnd(command: string, start: number): number {
  const close = command.indexOf('}', start + 2)
  if (close < 0) refuse('unterminated ${...}')
  const inner = command.slice(start + 2, close)
  if (/[\s'"`$(){};|&<>\\]/.test(inner)) refuse('${...} with quotes, spaces, operators or nested expansions cannot be checked')
  return close + 1
}

function toSimpleCommand(raw: RawCommand): SimpleCommand {
  const assignments: string[] = []
  let index = 0
  for (; index < raw.words.length; index++) {
    const w = raw.words[index]!
    const match = ASSIGNMENT.exec(w.raw)
    if (!match) break
    assignments.push(w.text)
  }
  const programWord = raw.words[index]
  const redirections = raw.redirections.map((r) => ({ op: r.op, target: checkTarget(r.op, r.target) }))
  if (!programWord) return { assignments, args: [], redirections }
  if (programWord.expands) refuse(`program name '${programWord.raw}' uses an expansion`)
  if (programWord.glob) refuse(`program name '${programWord.raw}' uses a glob`)
  if (programWord.tilde) refuse(`program name '${programWord.raw}' uses ~ expansion`)
  if (programWord.text === '') refuse('empty program name')
  const program = posix.basename(programWord.text)
  return { assignments, program, args: raw.words.slice(index + 1).map((w) => w.text), redirections }
}

function checkTarget(op: string, target: Word): string {
  if (target.expands || target.glob || target.tilde) refuse(`cannot tell where redirection '${op} ${target.raw}' goes`)
  if (target.text === '') refuse(`redirection '${op}' has an empty target`)
  return target.text
}

/** Whether a redirection only duplicates or closes a file descriptor (`2>&1`, `>&-`). */
function isFdDuplication(redirection: Redirection): boolean {
  return (redirection.op === '>&' || redirection.op === '<&') && /^(\d+|-)$/.test(redirection.target)
}

/**
 * Applies the policy. Throws SkillError naming the reason when the command is refused. With an
 * allowlist, returns the redirection targets, which the caller must confine to the workspace.
 */
export function checkShellPolicy(command: string, policy: ShellPolicy): PolicyDecision {
  if (command.includes('\0')) refuse('command contains a NUL byte')
  checkDeny(command, policy.deny)
  if (policy.allow === undefined) return { commands: [], redirectTargets: [] }

  const allowed = new Set(policy.allow)
  const commands = parseCommandLine(command)
  const redirectTargets: string[] = []
  for (const simple of commands) {
    for (const assignment of simple.assignments) {
      const name = ASSIGNMENT.exec(assignment)?.[1] ?? ''
      if (DANGEROUS_ASSIGNMENT.test(name)) refuse(`setting ${name} is not allowed when an allowlist is set`)
    }
    if (simple.program !== undefined && !allowed.has(simple.program)) {
      refuse(`program '${simple.program}' is not in the allowlist (${[...allowed].join(', ') || 'empty'})`)
    }
    for (const redirection of simple.redirections) {
      if (isFdDuplication(redirection) || HARMLESS_TARGETS.has(redirection.target)) continue
      redirectTargets.push(redirection.target)
    }
  }
  return { commands, redirectTargets }
}
