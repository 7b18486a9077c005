import { Codes, type Diagnostic } from './diagnostics.js'
import type { ResolvedAgentManifest } from './generated/manifest-types.js'
import { locatedDiagnostic, type ManifestSource } from './source.js'
import { didYouMean } from './suggest.js'

/** What a webhook task template may refer to; `agentor serve` fills these in from the request. */
export const WEBHOOK_TEMPLATE_ROOTS = ['payload', 'headers', 'query', 'webhook', 'receivedAt'] as const

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g
const PATH = /^[A-Za-z_][\w-]*(\.[A-Za-z0-9_][\w-]*)*$/

type JsonSchemaLike = { properties?: Record<string, JsonSchemaLike>; additionalProperties?: unknown }

/** Every `{{…}}` in a webhook task names a defined value, and payload paths exist in `payloadSchema`. */
export function checkWebhookTemplates(source: ManifestSource, manifest: ResolvedAgentManifest): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  manifest.webhooks.forEach((webhook, index) => {
    const report = (code: string, message: string, hint?: string, severity: Diagnostic['severity'] = 'error', text?: string) =>
      diagnostics.push(locatedDiagnostic(source, ['webhooks', index, 'task'], { code, message, severity, ...(hint ? { hint } : {}) }, text ? { text } : 'value'))
    const withoutPlaceholders = webhook.task.replace(PLACEHOLDER, '')
    if (withoutPlaceholders.includes('{{') || withoutPlaceholders.includes('}}')) {
      report(Codes.templateSyntax, 'unbalanced `{{` or `}}` in the task template', 'placeholders look like `{{payload.issue.title}}`')
    }
    for (const [placeholder, expression] of webhook.task.matchAll(PLACEHOLDER)) {
      if (!PATH.test(expression!)) {
        report(Codes.templateSyntax, `\`${placeholder}\` is not a placeholder`, 'placeholders are dotted paths such as `{{payload.issue.title}}`', 'error', placeholder)
        continue
      }
      const [root, ...rest] = expression!.split('.')
      if (!(WEBHOOK_TEMPLATE_ROOTS as readonly string[]).includes(root!)) {
        report(Codes.templatePlaceholder, `\`{{${expression}}}\` uses \`${root}\`, which is not defined`, didYouMean(root!, WEBHOOK_TEMPLATE_ROOTS) ?? `defined: ${WEBHOOK_TEMPLATE_ROOTS.join(', ')}`, 'error', placeholder)
      } else if (root === 'payload' && webhook.payloadSchema) {
        const missing = missingPayloadKey(webhook.payloadSchema as JsonSchemaLike, rest)
        if (missing) report(Codes.templatePlaceholder, `\`{{${expression}}}\`: \`${missing.key}\` is not in payloadSchema`, didYouMean(missing.key, missing.known) ?? `known here: ${missing.known.join(', ')}`, missing.closed ? 'error' : 'warning', placeholder)
      }
    }
    if (webhook.session.strategy === 'byHeader' && !webhook.session.header) {
      diagnostics.push(locatedDiagnostic(source, ['webhooks', index, 'session'], { code: Codes.sessionHeaderMissing, message: '`strategy: byHeader` needs `header`, the request header that names the session' }))
    }
  })
  return diagnostics
}

function missingPayloadKey(schema: JsonSchemaLike, keys: string[]) {
  let node: JsonSchemaLike | undefined = schema
  for (const key of keys) {
    if (!node?.properties) return undefined
    if (!(key in node.properties)) return { key, known: Object.keys(node.properties), closed: node.additionalProperties === false }
    node = node.properties[key]
  }
  return undefined
}
