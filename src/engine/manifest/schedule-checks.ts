import { Codes, type Diagnostic } from './diagnostics.js'
import type { ResolvedAgentManifest } from './generated/manifest-types.js'
import { locatedDiagnostic, type ManifestSource } from './source.js'
import { didYouMean } from './suggest.js'

type CronModule = typeof import('cron')
type CronVerdict = { problem?: string; hint?: string }

const CRON_HINT = 'five fields `minute hour day-of-month month day-of-week` (e.g. `0 7 * * 1-5`), or six with seconds first'
const cronVerdicts = new Map<string, CronVerdict>()
const timezoneVerdicts = new Map<string, boolean>()

/** Cron expressions that parse and fire at least once, in timezones that exist. */
export async function checkSchedules(source: ManifestSource, manifest: ResolvedAgentManifest): Promise<Diagnostic[]> {
  if (manifest.schedules.length === 0) return []
  const cron = await import('cron')
  const diagnostics: Diagnostic[] = []
  manifest.schedules.forEach((schedule, index) => {
    const report = (key: string, code: string, message: string, hint?: string) =>
      diagnostics.push(locatedDiagnostic(source, ['schedules', index, key], { code, message, ...(hint ? { hint } : {}) }))
    if (!isKnownTimezone(schedule.timezone)) {
      report('timezone', Codes.timezoneUnknown, `unknown timezone \`${schedule.timezone}\``, didYouMean(schedule.timezone, Intl.supportedValuesOf('timeZone')) ?? 'use an IANA name such as `Europe/Berlin` or `UTC`')
    }
    const verdict = cronVerdict(cron, schedule.cron)
    if (verdict.problem) report('cron', Codes.cronInvalid, verdict.problem, verdict.hint)
  })
  return diagnostics
}

function cronVerdict(cron: CronModule, expression: string): CronVerdict {
  let verdict = cronVerdicts.get(expression)
  if (!verdict) {
    verdict = judgeCron(cron, expression)
    cronVerdicts.set(expression, verdict)
  }
  return verdict
}

function judgeCron(cron: CronModule, expression: string): CronVerdict {
  const fields = expression.trim().split(/\s+/)
  const { valid, error } = cron.validateCronExpression(expression)
  if (!valid || (!expression.trim().startsWith('@') && fields.length !== 5 && fields.length !== 6)) {
    return { problem: `invalid cron expression \`${expression}\`${error ? `: ${error.message}` : ''}`, hint: CRON_HINT }
  }
  if (!mayNeverFire(fields)) return {}
  try {
    new cron.CronTime(expression, 'UTC').sendAt(1)
    return {}
  } catch {
    return { problem: `cron expression \`${expression}\` never fires`, hint: 'check the day-of-month and month fields (e.g. 31 February does not exist)' }
  }
}

/** Only a day-of-month of 29 or later can fall on a date that never exists; everything else fires. */
function mayNeverFire(fields: readonly string[]): boolean {
  const dayOfMonth = fields.length === 6 ? fields[3] : fields[2]
  return dayOfMonth !== undefined && /(^|[^\d])(29|3\d)/.test(dayOfMonth)
}

function isKnownTimezone(timezone: string): boolean {
  let known = timezoneVerdicts.get(timezone)
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone })
      known = true
    } catch {
      known = false
    }
    timezoneVerdicts.set(timezone, known)
  }
  return known
}
