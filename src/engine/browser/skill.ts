import type { ValidateFunction } from 'ajv'
import { createManifestAjv } from '../manifest/ajv-options.js'
import type { ResolvedBrowser } from '../manifest/generated/manifest-types.js'
import { SkillError, type Skill, type SkillContext } from '../skills/contract.js'
import type { HostLookup } from '../skills/guards/ssrf.js'
import { ACTION_ARGUMENTS, ACTION_NAMES, ACTIONS, actionSchema, type ActionName } from './actions.js'
import { firstLine, openBrowserSession, type BrowserSession } from './session.js'

/** The key of the run's browser session in `SkillContext.resources`. */
export const BROWSER_RESOURCE = 'browser'

/**
 * What the model sees: every action's arguments in one object. Providers refuse oneOf/anyOf at the top of a tool
 * schema, so the per-action rules (which arguments each action takes and needs) are checked in `invoke`.
 */
function toolParameters(): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    action: { type: 'string', enum: ACTION_NAMES, description: 'What to do; the other arguments depend on it.' },
  }
  for (const name of ACTION_NAMES) {
    for (const [argument, schema] of Object.entries(ACTION_ARGUMENTS[name].properties)) {
      if (argument in properties) continue
      const users = ACTION_NAMES.filter((other) => argument in ACTION_ARGUMENTS[other].properties)
      const description = (schema as { description?: string }).description ?? ''
      properties[argument] = { ...schema, description: `${description} (${users.join(', ')})`.trim() }
    }
  }
  return { type: 'object', additionalProperties: false, required: ['action'], properties }
}

function compileActionValidators(): Record<ActionName, ValidateFunction> {
  const ajv = createManifestAjv({ useDefaults: false })
  return Object.fromEntries(ACTION_NAMES.map((name) => [name, ajv.compile(actionSchema(name))])) as Record<ActionName, ValidateFunction>
}

function argumentProblems(validate: ValidateFunction, action: ActionName): string {
  const takes = Object.keys(ACTION_ARGUMENTS[action].properties)
  return (validate.errors ?? []).map((error) => {
    const where = error.instancePath ? error.instancePath.slice(1).replace(/\//g, '.') : 'arguments'
    if (error.keyword === 'additionalProperties') {
      return `${action} does not take \`${String(error.params.additionalProperty)}\` (it takes: ${takes.join(', ') || 'nothing else'})`
    }
    if (error.keyword === 'required') return `missing argument \`${String(error.params.missingProperty)}\``
    return `${where} ${error.message}`
  }).join('; ')
}

export interface BrowserSkillOptions {
  /** Resolver for the SSRF guard (default: the system's); tests pass their own. */
  lookup?: HostLookup
}

/** The `browser` skill: one tool whose `action` drives the run's WebDriver session (opened on first use). */
export function createBrowserSkill(config: ResolvedBrowser, options: BrowserSkillOptions = {}): Skill {
  // Compiled on the first call, so a manifest that declares the browser but never uses it pays nothing at start-up.
  let validators: Record<ActionName, ValidateFunction> | undefined
  const timeoutMs = config.timeoutSeconds * 1000

  const session = (context: SkillContext): Promise<BrowserSession> =>
    context.resources.acquire(BROWSER_RESOURCE, async () => {
      const opened = await openBrowserSession(config, options.lookup)
      context.record({
        skill: 'browser',
        event: 'browser-started',
        summary: `browser started (${config.browserName}${config.webdriverUrl ? ` at ${config.webdriverUrl}` : `, driver pid ${opened.value.driverPid}`}); every request goes through the SSRF guard on 127.0.0.1:${opened.value.proxy.port}`,
        data: { browserName: config.browserName, driverPid: opened.value.driverPid, proxyPort: opened.value.proxy.port, allowedDomains: config.allowedDomains },
      })
      return opened
    })

  return {
    name: 'browser',
    description:
      'Drive a web browser: navigate, click, fill_form, extract_text, screenshot, get_page_source, wait_for, back. ' +
      'One session per run (cookies and history persist between calls). Every request, redirect and subresource passes the SSRF guard; ' +
      'private, loopback and metadata addresses are refused' + (config.allowedDomains.length > 0 ? `, and only ${config.allowedDomains.join(', ')} may be reached` : '') + '.',
    risk: 'medium',
    parameters: toolParameters(),
    invoke: async (args, context) => {
      const action = args.action as ActionName
      validators ??= compileActionValidators()
      const validate = validators[action]
      if (!validate) throw new SkillError(`unknown action ${JSON.stringify(args.action)}; valid actions: ${ACTION_NAMES.join(', ')}`)
      if (!validate(args)) throw new SkillError(`invalid arguments for browser ${action}: ${argumentProblems(validate, action)}`)
      if (context.signal.aborted) throw new SkillError('aborted before the browser action started')

      // Refusals from before this action (the browser's own background requests) are not this action's to report.
      const opened = () => session(context).then((value) => { value.proxy.takeRefusals(); return value })
      const running = ACTIONS[action]({ session: opened, config, lookup: options.lookup, context, args })
      try {
        return await withDeadline(running, timeoutMs, context.signal, `browser ${action}`)
      } catch (error) {
        if (error instanceof SkillError) throw error
        throw new SkillError(`browser ${action} failed: ${firstLine(error)}`)
      }
    },
  }
}

/** Settles with `work`, or rejects when the action's time is up or the run is aborted (the WebDriver call is abandoned). */
function withDeadline<T>(work: Promise<T>, timeoutMs: number, signal: AbortSignal, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => finish(() => reject(new SkillError(`${what} timed out after ${timeoutMs / 1000}s (browser.timeoutSeconds)`))), timeoutMs)
    const onAbort = (): void => finish(() => reject(new SkillError(`${what} aborted`)))
    const finish = (outcome: () => void): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
      outcome()
    }
    signal.addEventListener('abort', onAbort, { once: true })
    work.then((value) => finish(() => resolve(value)), (error: unknown) => finish(() => reject(error)))
  })
}
