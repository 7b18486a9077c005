import { Codes, type Diagnostic } from './diagnostics.js'
import type { ResolvedAgentManifest } from './generated/manifest-types.js'
import { locatedDiagnostic, type ManifestSource } from './source.js'
import { didYouMean } from './suggest.js'

/** Cron expressions that parse and fire at least once, in timezones that exist. */
export async function checkSchedules(source: ManifestSource, manifest: ResolvedAgentManifest): Promise<Diagnostic[]> {
  if (manifest.schedules.length === 0) return []
  const { CronTime, validateCronExpression } = await import('cron')
  const diagnostics: Diagnostic[] = []
  manifest.schedules.forEach((schedule, index) => {
    const report = (key: string, code: string, message: string, hint?: string) =>
      diagnostics.push(locatedDiagnostic(source, ['schedules', index, key], { code, message, ...(hint ? { hint } : {}) }))
    const timezoneValid = isKnownTimezone(schedule.timezone)
    if (!timezoneValid) {
      report('timezone', Codes.timezoneUnknown, `unknown timezone \`${schedule.timezone}\``, didYouMean(schedule.timezone, Intl.supportedValuesOf('timeZone')) ?? 'use an IANA name such as `Europe/Berlin` or `UTC`')
    }
    const fields = schedule.cron.trim().split(/\s+/).length
    const { valid, error } = validateCronExpression(schedule.cron)
    if (!valid || (!schedule.cron.trim().startsWith('@') && fields !== 5 && fields !== 6)) {
      report('cron', Codes.cronInvalid, `invalid cron expression \`${schedule.cron}\`${error ? `: ${error.message}` : ''}`, 'five fields `minute hour day-of-month month day-of-week` (e.g. `0 7 * * 1-5`), or six with seconds first')
      return
    }
    try {
      new CronTime(schedule.cron, timezoneValid ? schedule.timezone : 'UTC').sendAt(1)
    } catch {
      report('cron', Codes.cronInvalid, `cron expression \`${schedule.cron}\` never fires`, 'check the day-of-month and month fields (e.g. 31 February does not exist)')
    }
  })
  return diagnostics
}

function isKnownTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone })
    return true
  } catch {
    return false
  }
}
