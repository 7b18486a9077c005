import type { HumanAnswer, RiskLevel, Skill, SkillResult } from '../contract.js'
import { SkillError } from '../contract.js'

export const MAX_SUMMARY_LENGTH = 2000
export const MAX_DETAILS_LENGTH = 20000
const RISKS: readonly RiskLevel[] = ['low', 'medium', 'high', 'critical']

/** Waits for `answer`, or fails when `signal` is aborted first (the run was cancelled or the call timed out). */
function untilAborted<T>(answer: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new SkillError('approval request cancelled before it was asked'))
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new SkillError('approval request cancelled while waiting for an answer; treat it as not approved'))
    signal.addEventListener('abort', onAbort, { once: true })
    answer.then(
      (value) => { signal.removeEventListener('abort', onAbort); resolve(value) },
      (error: unknown) => { signal.removeEventListener('abort', onAbort); reject(error) },
    )
  })
}

export const humanApprovalSkill: Skill = {
  name: 'human_approval',
  description: 'Ask a person to approve or reject something before you do it. Describe what you intend in `summary`. The answer says whether it was approved, by whom and why; if it was not approved, do not go ahead.',
  risk: 'low',
  parameters: {
    type: 'object',
    additionalProperties: false,
    required: ['summary'],
    properties: {
      summary: { type: 'string', minLength: 1, maxLength: MAX_SUMMARY_LENGTH, description: 'One or two sentences: what you want to do and why.' },
      details: { type: 'string', maxLength: MAX_DETAILS_LENGTH, description: 'Anything the reviewer needs to decide: commands, diffs, affected files.' },
      risk: { type: 'string', enum: [...RISKS], description: 'How risky you judge the action (default medium).' },
    },
  },
  async invoke(args, context): Promise<SkillResult> {
    const summary = typeof args.summary === 'string' ? args.summary.trim() : ''
    if (summary === '') throw new SkillError('summary must say what you want approved; it is empty')
    const details = typeof args.details === 'string' && args.details.trim() !== '' ? args.details : undefined
    const risk = (args.risk as RiskLevel | undefined) ?? 'medium'
    if (!RISKS.includes(risk)) throw new SkillError(`risk must be one of ${RISKS.join(', ')}`)

    let answer: HumanAnswer
    try {
      answer = await untilAborted(context.askHuman({ summary, ...(details === undefined ? {} : { details }), risk }), context.signal)
    } catch (error) {
      if (error instanceof SkillError) throw error
      throw new SkillError(`could not get an answer from a person (${error instanceof Error ? error.message : String(error)}); treat it as not approved`)
    }

    const approved = answer.approved === true
    const reviewer = answer.reviewer || 'unknown reviewer'
    const reason = typeof answer.reason === 'string' && answer.reason.trim() !== '' ? answer.reason.trim() : undefined
    const lead = `${approved ? 'Approved' : 'Not approved'} by ${reviewer}${reason === undefined ? '' : `: ${reason.replace(/\s+/g, ' ')}`}${approved ? '' : ' — do not go ahead with it.'}`
    const json = JSON.stringify({ approved, reviewer, ...(reason === undefined ? {} : { reason }) })
    return { content: `${lead}\n${json}` }
  },
}
