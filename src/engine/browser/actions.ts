import { writeFile } from 'node:fs/promises'
import { relative } from 'node:path'
import type { ResolvedBrowser } from '../manifest/generated/manifest-types.js'
import { SkillError, type SkillContext } from '../skills/contract.js'
import { checkUrl, type HostLookup } from '../skills/guards/ssrf.js'
import { resolveInWorkspace } from '../skills/guards/workspace-path.js'
import type { Refusal } from './filtering-proxy.js'
import { allowHostsFor, firstLine, type BrowserSession } from './session.js'

const selector = { type: 'string', minLength: 1, maxLength: 2000, description: 'CSS selector.' }

/** The arguments of each action besides `action` itself; `required` lists the mandatory ones. */
export const ACTION_ARGUMENTS = {
  navigate: { properties: { url: { type: 'string', minLength: 1, maxLength: 8000, description: 'Absolute http(s) URL.' } }, required: ['url'] },
  click: { properties: { selector }, required: ['selector'] },
  fill_form: {
    properties: {
      fields: {
        type: 'array',
        minItems: 1,
        maxItems: 50,
        description: 'Fields to fill, in order. Text inputs are cleared first; a <select> takes an option value or label; a checkbox or radio takes "true" or "false".',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['selector', 'value'],
          properties: { selector, value: { type: 'string', maxLength: 100000 } },
        },
      },
      submit: { type: 'boolean', description: 'Submit the form of the first field afterwards (default false).' },
    },
    required: ['fields'],
  },
  extract_text: { properties: { selector: { ...selector, description: 'CSS selector; the text of every match. Omit for the readable text of the whole page.' } }, required: [] },
  screenshot: {
    properties: { path: { type: 'string', minLength: 1, maxLength: 1000, pattern: '\\.png$', description: 'Workspace path of the PNG (default: a timestamped file under browser.screenshotDir).' } },
    required: [],
  },
  get_page_source: { properties: {}, required: [] },
  wait_for: {
    properties: {
      selector: { ...selector, description: 'Wait until an element matches this CSS selector (give this or text).' },
      text: { type: 'string', minLength: 1, maxLength: 2000, description: 'Wait until the page text contains this (give this or selector).' },
      timeoutSeconds: { type: 'number', exclusiveMinimum: 0, maximum: 600, description: 'Give up after this long (default and limit: browser.timeoutSeconds).' },
    },
    required: [],
  },
  back: { properties: {}, required: [] },
} as const

export type ActionName = keyof typeof ACTION_ARGUMENTS
export const ACTION_NAMES = Object.keys(ACTION_ARGUMENTS) as ActionName[]

/** The schema one action's arguments must match: only its own arguments, `action` fixed. */
export function actionSchema(action: ActionName): Record<string, unknown> {
  const { properties, required } = ACTION_ARGUMENTS[action]
  return {
    type: 'object',
    additionalProperties: false,
    required: ['action', ...required],
    properties: { action: { const: action }, ...properties },
  }
}

export interface ActionInputs {
  /** The run's session, opened on first use (navigate checks its URL before that, so a refusal starts no browser). */
  session: () => Promise<BrowserSession>
  config: ResolvedBrowser
  lookup?: HostLookup
  context: SkillContext
  args: Record<string, unknown>
}

type Action = (inputs: ActionInputs) => Promise<string>

export const ACTIONS: Record<ActionName, Action> = {
  navigate: async ({ session: open, config, lookup, args }) => {
    const url = args.url as string
    try {
      await checkUrl(url, { allowHosts: allowHostsFor(config), allowHostsKey: 'browser.allowedDomains', lookup })
    } catch (error) {
      throw new SkillError(`navigation refused: ${firstLine(error)}`)
    }
    const session = await open()
    let loadError: unknown
    try {
      await session.browser.url(url)
    } catch (error) {
      loadError = error
    }
    const current = await session.browser.getUrl()
    const refusals = session.proxy.takeRefusals()
    // The guard judges hosts, so a refusal for the origin the browser is on means the page itself was blocked.
    const blocked = refusals.find((refusal) => sameOrigin(refusal.url, current))
    if (blocked) {
      const what = sameOrigin(blocked.url, url) ? `${url} blocked` : `redirect to ${blocked.url} blocked`
      throw new SkillError(`navigation refused: ${what} (${blocked.reason})`)
    }
    if (loadError) throw new SkillError(`navigation to ${url} failed: ${firstLine(loadError)}`)
    const title = await session.browser.getTitle()
    return `Navigated to ${current}${title ? `\ntitle: ${title}` : ''}${blockedNote(refusals)}`
  },

  click: async ({ session: open, args }) => {
    const session = await open()
    const element = await existing(session, args.selector as string)
    await element.click()
    return `Clicked ${args.selector as string}; now at ${await session.browser.getUrl()}${blockedNote(session.proxy.takeRefusals())}`
  },

  fill_form: async ({ session: open, config, args }) => {
    const session = await open()
    const fields = args.fields as { selector: string; value: string }[]
    const elements = []
    for (const field of fields) {
      const element = await existing(session, field.selector)
      await fill(element, field.value, field.selector)
      elements.push(element)
    }
    let outcome = `Filled ${fields.length} field${fields.length === 1 ? '' : 's'}`
    if (args.submit === true) {
      const submission = await submitForm(session, elements[0]!)
      if (submission === 'no-form') throw new SkillError(`${outcome}, but ${fields[0]!.selector} is not inside a form, so nothing was submitted`)
      outcome += ` and submitted the form; ${await afterSubmit(session, submission, config.timeoutSeconds)}`
    }
    return outcome + blockedNote(session.proxy.takeRefusals())
  },

  extract_text: async ({ session: open, config, args }) => {
    const session = await open()
    let text: string
    if (args.selector === undefined) {
      text = await session.browser.execute(() => (document.body ? document.body.innerText : ''))
    } else {
      const elements = await session.browser.$$(args.selector as string).getElements()
      if (elements.length === 0) throw new SkillError(`no element matches ${args.selector as string}`)
      const texts: string[] = []
      for (const element of elements) texts.push(await element.getText())
      text = texts.join('\n')
    }
    const readable = text.replace(/\n{3,}/g, '\n\n').trim()
    return readable === '' ? '(no text)' : capped(readable, config.maxPageSourceBytes, 'text')
  },

  screenshot: async ({ session: open, config, context, args }) => {
    const requested = (args.path as string | undefined) ?? `${config.screenshotDir}/screenshot-${timestamp()}.png`
    if (!requested.endsWith('.png')) throw new SkillError('screenshot paths end in .png')
    const target = await resolveInWorkspace(context.workspace, requested, { forWrite: true, createDirs: true })
    const session = await open()
    const png = Buffer.from(await session.browser.takeScreenshot(), 'base64')
    await writeFile(target, png)
    return `Saved screenshot to ${relative(context.workspace, target)} (${png.readUInt32BE(16)}×${png.readUInt32BE(20)} PNG, ${png.length} bytes)`
  },

  get_page_source: async ({ session, config }) => capped(await (await session()).browser.getPageSource(), config.maxPageSourceBytes, 'page source'),

  wait_for: async ({ session: open, config, args }) => {
    const target = args.selector as string | undefined
    const text = args.text as string | undefined
    if ((target === undefined) === (text === undefined)) throw new SkillError('wait_for takes either selector or text (exactly one)')
    const session = await open()
    const seconds = Math.min((args.timeoutSeconds as number | undefined) ?? config.timeoutSeconds, config.timeoutSeconds)
    const condition = target !== undefined
      ? async () => (await session.browser.$$(target).getElements()).length > 0
      : () => session.browser.execute((wanted) => (document.body?.innerText ?? '').includes(wanted), text!)
    const what = target !== undefined ? `an element matching ${target}` : `the text ${JSON.stringify(text)}`
    try {
      await session.browser.waitUntil(condition, { timeout: seconds * 1000, interval: 100 })
    } catch (error) {
      if (/timeout|timed out/i.test(firstLine(error))) throw new SkillError(`timed out after ${seconds}s waiting for ${what}`)
      throw error
    }
    return `Found ${what}`
  },

  back: async ({ session: open }) => {
    const session = await open()
    await session.browser.back()
    return `Went back; now at ${await session.browser.getUrl()}${blockedNote(session.proxy.takeRefusals())}`
  },
}

async function existing(session: BrowserSession, cssSelector: string) {
  const element = await session.browser.$(cssSelector)
  if (!(await element.isExisting())) throw new SkillError(`no element matches ${cssSelector}`)
  return element
}

type Element = Awaited<ReturnType<typeof existing>>

type Submission = 'no-form' | 'cancelled' | 'other-window' | 'navigating'

const SUBMIT_PENDING_MARK = '__agentorSubmitPending'

/**
 * Submits the field's form as a user would (validation and submit handlers run). The submission navigates
 * asynchronously, so the old document is marked: a new document without the mark means the response has loaded.
 */
async function submitForm(session: BrowserSession, field: Element): Promise<Submission> {
  return session.browser.execute((input, mark) => {
    const form = (input as unknown as HTMLInputElement).form
    if (!form) return 'no-form'
    let cancelled = false
    const watch = (event: Event) => {
      cancelled = event.defaultPrevented
    }
    Reflect.set(window, mark, true)
    window.addEventListener('submit', watch)
    form.requestSubmit()
    window.removeEventListener('submit', watch)
    if (cancelled) return 'cancelled'
    return form.target !== '' && form.target !== '_self' ? 'other-window' : 'navigating'
  }, field, SUBMIT_PENDING_MARK) as Promise<Submission>
}

async function afterSubmit(session: BrowserSession, submission: Submission, timeoutSeconds: number): Promise<string> {
  if (submission === 'cancelled') return `the page handled it without navigating; still at ${await session.browser.getUrl()}`
  if (submission === 'other-window') return `the response opened in another window; still at ${await session.browser.getUrl()}`
  const loaded = async () => {
    try {
      return await session.browser.execute((mark) => !(mark in window) && document.readyState === 'complete', SUBMIT_PENDING_MARK)
    } catch {
      return false // the old document went away mid-script
    }
  }
  try {
    await session.browser.waitUntil(loaded, { timeout: timeoutSeconds * 1000, interval: 50 })
  } catch {
    return `no new page loaded within ${timeoutSeconds}s (browser.timeoutSeconds); still at ${await session.browser.getUrl()}`
  }
  return `now at ${await session.browser.getUrl()}`
}

const TRUE_WORDS = new Set(['true', 'on', 'yes', '1', 'checked'])

async function fill(element: Element, value: string, cssSelector: string): Promise<void> {
  const tag = (await element.getTagName()).toLowerCase()
  const type = ((await element.getAttribute('type')) ?? '').toLowerCase()
  if (tag === 'select') {
    try {
      await element.selectByAttribute('value', value)
    } catch {
      await element.selectByVisibleText(value).catch(() => {
        throw new SkillError(`${cssSelector} has no option with value or label ${JSON.stringify(value)}`)
      })
    }
  } else if (tag === 'input' && (type === 'checkbox' || type === 'radio')) {
    if ((await element.isSelected()) !== TRUE_WORDS.has(value.toLowerCase())) await element.click()
  } else {
    await element.clearValue()
    await element.setValue(value)
  }
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin
  } catch {
    return false
  }
}

/**
 * Chromium's own background services, which it calls whatever the page (account and update checks the switches in
 * capabilities.ts do not stop). Still refused when not allowed, but not reported as the page's requests.
 */
const BROWSER_SERVICE_HOSTS = new Set(['accounts.google.com', 'clients2.google.com', 'update.googleapis.com', 'content-autofill.googleapis.com'])

/** Requests the guard refused while the action ran (subresources, frames, scripts' fetches), so the model knows. */
function blockedNote(all: Refusal[]): string {
  const refusals = all.filter((refusal) => !BROWSER_SERVICE_HOSTS.has(new URL(refusal.url).hostname))
  if (refusals.length === 0) return ''
  const shown = [...new Map(refusals.map((refusal) => [new URL(refusal.url).origin, refusal])).values()].slice(0, 5)
  const list = shown.map((refusal) => `${refusal.url} (${refusal.reason})`).join('; ')
  return `\n[the SSRF guard blocked ${refusals.length} request${refusals.length === 1 ? '' : 's'}: ${list}]`
}

function capped(text: string, maxBytes: number, what: string): string {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length <= maxBytes) return text
  const head = new TextDecoder().decode(bytes.subarray(0, maxBytes), { stream: true })
  return `${head}\n[${what} truncated: showing ${maxBytes} of ${bytes.length} bytes (browser.maxPageSourceBytes)]`
}

function timestamp(): string {
  return new Date().toISOString().replace(/[-:]/g, '').replace(/[T.]/g, '-').replace(/Z$/, '')
}
