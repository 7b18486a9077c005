/**
 * A corpus of invalid manifests (test/fixtures/invalid/), one problem per file plus a few with
 * several, and the exact diagnostics each must produce: the same codes at the same line:column,
 * nothing more. Every diagnostic code a manifest file can trigger is covered by at least one
 * fixture; the few that cannot come from a committed file are listed in NOT_FROM_A_FIXTURE and
 * tested here directly.
 *
 * Cases marked `bug:` describe what the validator gets wrong today. Their expectations state the
 * correct behaviour, so those cases fail until the validator is fixed.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, describe, test } from 'node:test'
import { Codes, type Diagnostic } from '../src/engine/manifest/diagnostics.js'
import { validateManifest, validateManifests, type ManifestReport } from '../src/engine/manifest/validate.js'

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'invalid')
/** No `${VAR}` resolves unless a case says so, whatever the machine's environment holds. */
const NO_ENV = {}

interface Expected {
  code: string
  line: number
  column: number
  /** JSON path, where it matters. */
  path?: string
  /** Substring of the hint (did-you-mean and the like). */
  hint?: string
  /** Substring of the message. */
  message?: string
  /** Defaults to `warning` for `W_` codes, `error` otherwise. */
  severity?: 'error' | 'warning'
  /** For problems inside another file (a SKILL.md), its path relative to test/fixtures/invalid. */
  file?: string
}

interface Case {
  diagnostics: Expected[]
  /** Reports for other manifests the validator reaches from this one (sub-agents), by fixture name. */
  reached?: Record<string, Expected[]>
  /** What the validator gets wrong today; the expectations above describe the correct behaviour. */
  bug?: string
}

const e = (code: string, line: number, column: number, extra: Omit<Expected, 'code' | 'line' | 'column'> = {}): Expected => ({ code, line, column, ...extra })

const C = Codes

/** Fixture (relative to test/fixtures/invalid) → the diagnostics of its own report. */
const CASES: Record<string, Case> = {
  // --- the file itself -------------------------------------------------------------------------
  'empty.yaml': { diagnostics: [e(C.fileEmpty, 1, 1, { path: '$', hint: 'agentor init' })] },
  'comments-only.yaml': { diagnostics: [e(C.fileEmpty, 1, 1, { path: '$' })] },
  'binary-gzipped.yaml': { diagnostics: [e(C.fileBinary, 1, 1, { path: '$', message: 'binary' })] },
  'encoding-latin1.yaml': { diagnostics: [e(C.fileBinary, 1, 1, { path: '$', message: 'UTF-8' })] },
  'encoding-utf16.yaml': { diagnostics: [e(C.fileBinary, 1, 1, { path: '$' })] },

  // --- YAML ------------------------------------------------------------------------------------
  'yaml-bad-indentation.yaml': {
    diagnostics: [e(C.yamlSyntax, 5, 1, { message: 'same column' })],
    bug: 'an under-indented `name:` inside `model` also yields E_YAML_DUPLICATE_KEY at 5:2 ("Map keys must be unique"), '
      + 'a follow-on of the YAML parser\'s error recovery (the line is re-read as a top-level key); the file has no duplicate key',
  },
  'yaml-over-indentation.yaml': {
    // The over-indented `name:` continues the plain scalar `openai` of the line above, so YAML
    // reports the (multi-line) implicit key where it starts.
    diagnostics: [e(C.yamlSyntax, 7, 17, { message: 'Nested mappings' }), e(C.yamlSyntax, 7, 17, { message: 'single line' })],
  },
  'yaml-tab-indentation.yaml': { diagnostics: [e(C.yamlSyntax, 7, 1, { message: 'Tabs' })] },
  'yaml-unclosed-quote.yaml': {
    diagnostics: [e(C.yamlSyntax, 3, 14, { message: 'quote' })],
    bug: 'the missing closing quote is reported at 7:1, the end of the file (after the last line, so a code frame shows nothing), '
      + 'instead of at the opening `"` on 3:14',
  },
  'yaml-unclosed-flow-sequence.yaml': { diagnostics: [e(C.yamlSyntax, 7, 1, { message: 'end with a ]' })] },
  'yaml-duplicate-key.yaml': { diagnostics: [e(C.yamlDuplicateKey, 8, 3, { path: '$', hint: 'remove or rename' })] },
  'yaml-multiple-documents.yaml': { diagnostics: [e(C.yamlMultipleDocuments, 6, 1)] },
  'yaml-alias-bomb.yaml': { diagnostics: [e(C.yamlAliasLimit, 7, 14, { path: '$', hint: 'YAML bomb' })] },
  'root-scalar.yaml': { diagnostics: [e(C.notAMapping, 2, 1, { path: '$' })] },
  'root-list.yaml': { diagnostics: [e(C.notAMapping, 1, 1, { path: '$' })] },

  // --- ${VAR} references -----------------------------------------------------------------------
  'env-missing.yaml': { diagnostics: [e(C.envMissing, 6, 11, { path: '$.model.apiKey', message: 'OPENAI_API_KEY', hint: '${OPENAI_API_KEY:-value}' })] },
  'env-missing-number.yaml': {
    diagnostics: [e(C.envMissing, 7, 13, { path: '$.limits.maxTurns', message: 'MAX_TURNS' })],
    bug: 'an unset `${MAX_TURNS}` in `maxTurns` is also reported as E_SCHEMA_TYPE at 7:13 ("`maxTurns` must be an integer, not a string"): '
      + 'the unexpanded reference is schema-checked as text, a follow-on of the one real problem',
  },
  'env-unclosed-reference.yaml': { diagnostics: [e(C.envSyntax, 6, 13, { path: '$.model.baseUrl', message: 'not closed' })] },
  'env-bad-reference-syntax.yaml': { diagnostics: [e(C.envSyntax, 7, 8, { path: '$.transcripts.dir', message: 'not a valid variable reference' })] },
  'dotenv-directory/agent.yaml': { diagnostics: [e(C.dotenvUnreadable, 1, 1, { path: '$', message: 'EISDIR' })] },

  // --- schema: unknown and missing keys --------------------------------------------------------
  'unknown-key-top-level.yaml': { diagnostics: [e(C.unknownKey, 3, 1, { path: '$.instruction', hint: 'did you mean `instructions`?' })] },
  'unknown-key-collection.yaml': { diagnostics: [e(C.unknownKey, 5, 1, { path: '$["{ image: example/tool }"]' })] },
  'unknown-key-model.yaml': { diagnostics: [e(C.unknownKey, 6, 3, { path: '$.model.temprature', hint: 'did you mean `temperature`?' })] },
  'unknown-key-fallback.yaml': { diagnostics: [e(C.unknownKey, 9, 7, { path: '$.model.fallbacks[0].max_tokens', hint: 'did you mean `maxTokens`?' })] },
  'unknown-key-memory-fusion.yaml': { diagnostics: [e(C.unknownKey, 9, 23, { path: '$.memory.fusion.alpa', hint: 'did you mean `alpha`?' })] },
  'unknown-key-schedule.yaml': { diagnostics: [e(C.unknownKey, 9, 5, { path: '$.schedules[0].timeZone', hint: 'did you mean `timezone`?' })] },
  'required-name.yaml': {
    diagnostics: [e(C.missingKey, 1, 1, { path: '$', message: '`name`' })],
    bug: 'no diagnostic at all: `name` is required but has `default: "my-agent"`, and ajv (useDefaults) fills the default in '
      + 'before `required` is checked, so the manifest validates as an agent called `my-agent`',
  },
  'required-agentor-version.yaml': {
    diagnostics: [e(C.missingKey, 1, 1, { path: '$', message: '`agentor`' })],
    bug: 'no diagnostic at all: `agentor` is required (it marks the file as a manifest) but its `default: 1` is filled in first',
  },
  'required-model.yaml': { diagnostics: [e(C.missingKey, 1, 1, { path: '$', message: '`model`', hint: 'model:' })] },
  'required-model-provider.yaml': {
    diagnostics: [e(C.missingKey, 3, 1, { path: '$.model', message: '`provider`' })],
    bug: '`model.provider` is required but has `default: "scripted"`, which ajv fills in, so instead of E_SCHEMA_REQUIRED the user '
      + 'gets E_REF_SCRIPT_MISSING at 4:3 ("a scripted model needs `script`…") for a model they meant to be `gpt-4o-mini`',
  },
  'required-openai-model-name.yaml': { diagnostics: [e(C.missingKey, 3, 1, { path: '$.model', message: '`name`' })] },
  'required-webhook-task.yaml': { diagnostics: [e(C.missingKey, 7, 5, { path: '$.webhooks[0]', message: '`task`' })] },
  'required-schedule-cron.yaml': { diagnostics: [e(C.missingKey, 7, 5, { path: '$.schedules[0]', message: '`cron`' })] },

  // --- schema: values --------------------------------------------------------------------------
  'type-skills-not-a-list.yaml': { diagnostics: [e(C.wrongType, 6, 9, { path: '$.skills', message: 'must be a list, not a string' })] },
  'type-max-turns-string.yaml': { diagnostics: [e(C.wrongType, 7, 13, { path: '$.limits.maxTurns', message: 'must be an integer' })] },
  'type-skill-item-number.yaml': { diagnostics: [e(C.wrongType, 6, 21, { path: '$.skills[1]', message: 'must be a string' })] },
  'enum-provider-typo.yaml': { diagnostics: [e(C.notAllowed, 4, 13, { path: '$.model.provider', hint: 'did you mean `anthropic`?' })] },
  'enum-approval-channel-typo.yaml': { diagnostics: [e(C.notAllowed, 8, 12, { path: '$.approval.channel', hint: 'did you mean `websocket`?' })] },
  'enum-agentor-version.yaml': { diagnostics: [e(C.notAllowed, 1, 10, { path: '$.agentor', message: 'must be 1' })] },
  'pattern-agent-name.yaml': { diagnostics: [e(C.pattern, 2, 7, { path: '$.name' })] },
  'pattern-tool-group-name.yaml': {
    diagnostics: [e(C.pattern, 9, 3, { path: '$.toolGroups.ReadOnly', message: 'ReadOnly' })],
    bug: 'a group name failing `propertyNames` is reported on the whole `toolGroups` mapping (8:3, path `$.toolGroups`, '
      + '"`toolGroups` does not match the pattern …") instead of on the key `ReadOnly` (9:3)',
  },
  'range-temperature.yaml': { diagnostics: [e(C.range, 6, 16, { path: '$.model.temperature', message: '<= 2' })] },
  'range-server-port.yaml': { diagnostics: [e(C.range, 8, 9, { path: '$.server.port', message: '<= 65535' })] },
  'range-max-turns.yaml': { diagnostics: [e(C.range, 7, 13, { path: '$.limits.maxTurns', message: '>= 1' })] },
  'length-empty-task.yaml': { diagnostics: [e(C.length, 9, 11, { path: '$.schedules[0].task', message: 'must not be empty' })] },
  'length-short-webhook-secret.yaml': { diagnostics: [e(C.length, 8, 13, { path: '$.webhooks[0].secret', message: 'at least 16 characters' })] },
  'length-empty-script.yaml': { diagnostics: [e(C.length, 5, 11, { path: '$.model.script', message: 'at least 1 item' })] },
  'duplicate-skill.yaml': {
    diagnostics: [e(C.duplicateItem, 9, 5, { path: '$.skills[2]' })],
    bug: 'the duplicate is reported on the first `file_read` (7:5, `$.skills[0]`, "entries 2 and 0"), not on the repeated one '
      + 'to remove (9:5, `$.skills[2]`): ajv\'s uniqueItems params have `i` < `j`, and schema-diagnostics locates `i`',
  },

  // --- cross-references ------------------------------------------------------------------------
  'ref-unknown-skill.yaml': { diagnostics: [e(C.unknownSkill, 6, 21, { path: '$.skills[1]', hint: 'did you mean `file_write`?' })] },
  'ref-unknown-tool-group.yaml': { diagnostics: [e(C.unknownGroup, 8, 10, { path: '$.tools.group', hint: 'did you mean `coding`?' })] },
  'ref-group-member-undeclared.yaml': { diagnostics: [e(C.unknownSkill, 8, 34, { path: '$.toolGroups.readers[2]', hint: 'declared skills: file_read, list_dir' })] },
  'ref-group-shadows-builtin.yaml': {
    diagnostics: [e(C.groupShadowsBuiltin, 8, 3, { path: '$.toolGroups.web' })],
    bug: '"`web` is a builtin tool group; choose another name" points at the member list `[http_fetch]` (8:8) instead of the group\'s name `web` (8:3)',
  },
  'ref-approval-undeclared-skill.yaml': { diagnostics: [e(C.unknownSkill, 9, 13, { path: '$.approval.require[0]', hint: 'did you mean `file_write`?' })] },
  'ref-duplicate-webhook-name.yaml': { diagnostics: [e(C.duplicateName, 9, 11, { path: '$.webhooks[1].name', hint: 'webhooks[0]' })] },
  'ref-duplicate-schedule-name.yaml': { diagnostics: [e(C.duplicateName, 10, 11, { path: '$.schedules[1].name', hint: 'schedules[0]' })] },
  'ref-duplicate-mcp-server-name.yaml': { diagnostics: [e(C.duplicateName, 10, 13, { path: '$.mcpServers[1].name', hint: 'mcpServers[0]' })] },
  'ref-skill-path-missing.yaml': { diagnostics: [e(C.skillPathMissing, 6, 21, { path: '$.skills[1]', message: 'does not exist' })] },
  'ref-skills-empty.yaml': { diagnostics: [e(C.skillPathMissing, 6, 21, { path: '$.skills[1]', message: 'no SKILL.md files' })] },
  'ref-skills-no-frontmatter.yaml': { diagnostics: [e(C.skillInvalid, 1, 1, { file: 'skills-no-frontmatter/summarise/SKILL.md', message: 'skill file must start with a `---`' })] },
  'ref-skills-unclosed-frontmatter.yaml': { diagnostics: [e(C.skillInvalid, 1, 1, { file: 'skills-unclosed-frontmatter/summarise/SKILL.md', message: 'frontmatter is not closed' })] },
  'ref-skills-missing-name.yaml': { diagnostics: [e(C.skillInvalid, 2, 1, { file: 'skills-missing-name/summarise/SKILL.md', message: 'frontmatter needs `name`' })] },
  'ref-skill-needs-undeclared-tool.yaml': { diagnostics: [e(C.skillInvalid, 4, 26, { file: 'skills-needs-undeclared/triage/SKILL.md', message: 'skill `triage` needs `shell`, which the manifest does not declare' })] },
  'ref-skills-missing-description.yaml': { diagnostics: [e(C.skillInvalid, 2, 1, { file: 'skills-missing-description/summarise/SKILL.md', message: 'frontmatter needs a `description`' })] },
  'ref-subagent-missing.yaml': { diagnostics: [e(C.subAgentMissing, 7, 13, { path: '$.subAgents[0]', hint: 'reviewer-agent.yaml' })] },
  'ref-subagent-invalid.yaml': {
    diagnostics: [e(C.subAgentInvalid, 8, 5, { path: '$.subAgents[0]', hint: 'enum-provider-typo.yaml:4:13' })],
    reached: { 'enum-provider-typo.yaml': [e(C.notAllowed, 4, 13, { path: '$.model.provider' })] },
  },
  // Reached from a, b closes the loop: b reports the cycle, a reports b as invalid because of it.
  'ref-subagent-cycle-a.yaml': {
    diagnostics: [e(C.subAgentInvalid, 7, 13, { path: '$.subAgents[0]', hint: 'sub-agents form a cycle' })],
    reached: { 'ref-subagent-cycle-b.yaml': [e(C.subAgentCycle, 7, 13, { path: '$.subAgents[0]', message: 'ref-subagent-cycle-a.yaml → ' })] },
  },
  'ref-subagent-cycle-b.yaml': {
    diagnostics: [e(C.subAgentInvalid, 7, 13, { path: '$.subAgents[0]', hint: 'sub-agents form a cycle' })],
    reached: { 'ref-subagent-cycle-a.yaml': [e(C.subAgentCycle, 7, 13, { path: '$.subAgents[0]', message: 'ref-subagent-cycle-b.yaml → ' })] },
  },
  'ref-subagent-self.yaml': { diagnostics: [e(C.subAgentCycle, 7, 13, { path: '$.subAgents[0]', hint: 'back to itself' })] },
  'ref-nested-fallbacks.yaml': { diagnostics: [e(C.nestedFallbacks, 10, 9, { path: '$.model.fallbacks[0].fallbacks' })] },
  'ref-scripted-without-script.yaml': { diagnostics: [e(C.scriptedWithoutScript, 4, 3, { path: '$.model' })] },
  'ref-scripted-script-and-file.yaml': { diagnostics: [e(C.scriptedWithoutScript, 7, 15, { path: '$.model.scriptFile', message: 'not both' })] },
  'ref-script-file-missing.yaml': { diagnostics: [e(C.scriptFileMissing, 5, 15, { path: '$.model.scriptFile' })] },
  'ref-docker-shell-without-sandbox.yaml': { diagnostics: [e(C.sandboxMissing, 4, 21, { path: '$.skills[1]', hint: 'never runs it on the host' })] },
  'ref-shell-deny-bad-regex.yaml': { diagnostics: [e(C.badRegex, 11, 9, { path: '$.skillSettings.shell.deny[1]', message: 'Unterminated group' })] },

  // --- schedules -------------------------------------------------------------------------------
  'cron-out-of-range.yaml': { diagnostics: [e(C.cronInvalid, 8, 11, { path: '$.schedules[0].cron', message: 'out of range' })] },
  'cron-too-few-fields.yaml': { diagnostics: [e(C.cronInvalid, 8, 11, { path: '$.schedules[0].cron', message: 'Too few fields' })] },
  'cron-never-fires.yaml': { diagnostics: [e(C.cronInvalid, 8, 11, { path: '$.schedules[0].cron', message: 'never fires' })] },
  'timezone-unknown.yaml': { diagnostics: [e(C.timezoneUnknown, 9, 15, { path: '$.schedules[0].timezone', hint: 'did you mean `Europe/Berlin`?' })] },

  // --- webhook templates -----------------------------------------------------------------------
  'template-undefined-root.yaml': { diagnostics: [e(C.templatePlaceholder, 8, 19, { path: '$.webhooks[0].task', hint: 'did you mean `headers`?' })] },
  'template-unbalanced.yaml': { diagnostics: [e(C.templateSyntax, 8, 11, { path: '$.webhooks[0].task', message: 'unbalanced' })] },
  'template-not-a-placeholder.yaml': { diagnostics: [e(C.templateSyntax, 8, 19, { path: '$.webhooks[0].task', message: 'is not a placeholder' })] },
  'template-payload-path-closed.yaml': { diagnostics: [e(C.templatePlaceholder, 8, 46, { path: '$.webhooks[0].task', hint: 'did you mean `title`?' })] },
  // An open object schema (no `additionalProperties: false`) only warns: the manifest is valid.
  'template-payload-path-open.yaml': { diagnostics: [e(C.templatePlaceholder, 8, 50, { severity: 'warning', message: '`sender` is not in payloadSchema' })] },
  'session-by-header-without-header.yaml': { diagnostics: [e(C.sessionHeaderMissing, 10, 7, { path: '$.webhooks[0].session' })] },

  // --- warnings only: valid manifests ----------------------------------------------------------
  'inline-secret-api-key.yaml': { diagnostics: [e(C.inlineSecret, 6, 11, { path: '$.model.apiKey', hint: 'environment variable' })] },
  'inline-secret-webhook.yaml': { diagnostics: [e(C.inlineSecret, 8, 13, { path: '$.webhooks[0].secret' })] },

  // --- several problems at once ----------------------------------------------------------------
  'multi-schema-problems.yaml': {
    diagnostics: [
      e(C.unknownKey, 3, 1, { path: '$.descripton', hint: 'did you mean `description`?' }),
      e(C.range, 7, 16, { path: '$.model.temperature', message: '>= 0' }),
      e(C.range, 8, 24, { path: '$.model.retry.maxRetries', message: '<= 20' }),
      e(C.notAllowed, 10, 17, { path: '$.model.fallbacks[0].provider' }),
      e(C.wrongType, 13, 13, { path: '$.limits.maxTurns' }),
      e(C.notAllowed, 15, 15, { path: '$.tools.disclosure' }),
    ],
  },
  'multi-cross-references.yaml': {
    diagnostics: [
      e(C.inlineSecret, 7, 11, { path: '$.model.apiKey' }),
      e(C.unknownSkill, 8, 28, { path: '$.skills[2]', hint: 'did you mean `http_fetch`?' }),
      e(C.badRegex, 11, 12, { path: '$.skillSettings.shell.deny[0]', message: 'Nothing to repeat' }),
      e(C.unknownSkill, 13, 16, { path: '$.toolGroups.ops[1]' }),
      e(C.unknownGroup, 15, 10, { path: '$.tools.group', hint: 'did you mean `ops`?' }),
      e(C.unknownSkill, 17, 20, { path: '$.approval.require[1]' }),
      e(C.timezoneUnknown, 21, 15, { path: '$.schedules[0].timezone', hint: 'did you mean `Europe/London`?' }),
      e(C.duplicateName, 23, 11, { path: '$.schedules[1].name' }),
      e(C.cronInvalid, 24, 11, { path: '$.schedules[1].cron', message: 'out of range' }),
    ],
  },
  'multi-env-problems.yaml': {
    diagnostics: [
      e(C.envMissing, 5, 9, { path: '$.model.name', message: 'MODEL_NAME' }),
      e(C.envMissing, 6, 11, { path: '$.model.apiKey', message: 'OPENAI_API_KEY' }),
      e(C.envMissing, 7, 20, { path: '$.model.baseUrl', message: 'LLM_HOST' }),
      e(C.envSyntax, 9, 8, { path: '$.transcripts.dir' }),
    ],
  },
}

/**
 * Codes no committed fixture can produce, and why. Each is still exercised below, except E_SCHEMA,
 * which is unreachable while every ajv keyword the schema uses has its own code (checked below).
 */
const NOT_FROM_A_FIXTURE: Record<string, string> = {
  [C.fileTooLarge]: 'needs a file over 16 MiB; generated in a temporary directory by a test below',
  [C.fileUnreadable]: 'a committed fixture is readable; a missing path is tested below (as a sub-agent it becomes E_REF_SUBAGENT_MISSING)',
  [C.schema]: 'the fallback for ajv keywords without their own code; the schema uses none (see "E_SCHEMA is unreachable")',
}

/** ajv keywords schema-diagnostics maps to a specific code (anything else would be E_SCHEMA). */
const KEYWORDS_WITH_OWN_CODE = [
  'additionalProperties', 'required', 'type', 'enum', 'const', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'minLength', 'minItems', 'maxLength', 'maxItems', 'uniqueItems', 'propertyNames', 'if',
]

const fixturePath = (name: string) => join(FIXTURES, name)
const tmp = mkdtempSync(join(tmpdir(), 'agentor-invalid-'))
after(() => rmSync(tmp, { recursive: true, force: true }))

function manifestFixtures(dir = FIXTURES): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return manifestFixtures(path)
    return entry.name.endsWith('.yaml') ? [relative(FIXTURES, path)] : []
  }).sort()
}

function reportFor(reports: readonly ManifestReport[], absolutePath: string): ManifestReport | undefined {
  return reports.find((report) => resolve(report.file) === absolutePath)
}

function show(diagnostics: readonly Diagnostic[]): string {
  return diagnostics.map((d) => `  ${d.line}:${d.column} ${d.severity} ${d.code} ${d.path} — ${d.message}${d.hint ? ` (hint: ${d.hint})` : ''}`).join('\n') || '  (none)'
}

const key = (d: { code: string; line: number; column: number }) => `${d.code}@${d.line}:${d.column}`

/** Same codes at the same positions, no extras; then each expectation's details on a matching diagnostic. */
function assertDiagnostics(name: string, report: ManifestReport, expected: readonly Expected[], bug?: string) {
  const context = `${name}${bug ? `\nKNOWN VALIDATOR BUG: ${bug}` : ''}\nactual diagnostics:\n${show(report.diagnostics)}`
  assert.deepEqual(report.diagnostics.map(key).sort(), expected.map(key).sort(), `code@line:column differ for ${context}`)
  const unused = [...report.diagnostics]
  for (const want of expected) {
    const severity = want.severity ?? (want.code.startsWith('W_') ? 'warning' : 'error')
    const at = unused.findIndex((d) => key(d) === key(want) && d.severity === severity
      && (want.path === undefined || d.path === want.path)
      && (want.file === undefined || resolve(d.file) === fixturePath(want.file))
      && (want.hint === undefined || (d.hint ?? '').includes(want.hint))
      && (want.message === undefined || d.message.includes(want.message)))
    assert.ok(at >= 0, `no diagnostic matches ${JSON.stringify({ ...want, severity })} in ${context}`)
    unused.splice(at, 1)
  }
  for (const d of report.diagnostics) {
    assert.ok(d.message.length > 0 && d.path.startsWith('$'), `incomplete diagnostic in ${context}`)
    if (d.code === C.dotenvUnreadable) assert.equal(resolve(d.file), join(dirname(fixturePath(name)), '.env'))
    else if (d.code !== C.skillInvalid) assert.equal(d.file, report.file, `diagnostic names another file in ${context}`)
    const text = d.code === C.skillInvalid ? readFileSync(d.file, 'utf8') : d.file === report.file ? report.text : undefined
    const lines = (text ?? '').split('\n')
    if (text !== undefined) {
      assert.ok(d.line >= 1 && d.line <= lines.length, `line outside the file in ${context}`)
      assert.ok(d.column >= 1 && d.column <= lines[d.line - 1]!.length + 1, `column outside the line in ${context}`)
    }
  }
  const errors = expected.some((want) => (want.severity ?? (want.code.startsWith('W_') ? 'warning' : 'error')) === 'error')
  assert.equal(report.manifest !== undefined, !errors, `${name}: a manifest is returned exactly when there are no errors`)
}

describe('invalid manifest corpus', () => {
  test('the corpus is large, and every fixture has an expectation (and every expectation a fixture)', () => {
    const onDisk = manifestFixtures()
    assert.ok(onDisk.length >= 40, `only ${onDisk.length} fixtures`)
    assert.deepEqual(onDisk, Object.keys(CASES).sort())
  })

  test('every diagnostic code a manifest can produce appears in at least one fixture', () => {
    const covered = new Set(Object.values(CASES).flatMap((c) => [...c.diagnostics, ...Object.values(c.reached ?? {}).flat()]).map((d) => d.code))
    const all = Object.values(Codes) as string[]
    for (const code of covered) assert.ok(all.includes(code), `unknown code ${code} in the table`)
    const missing = all.filter((code) => !covered.has(code) && !(code in NOT_FROM_A_FIXTURE))
    assert.deepEqual(missing, [], 'codes without a fixture')
    const both = Object.keys(NOT_FROM_A_FIXTURE).filter((code) => covered.has(code))
    assert.deepEqual(both, [], 'codes listed as not producible from a fixture but covered by one')
  })

  for (const [name, expectation] of Object.entries(CASES)) {
    test(`${name}${expectation.bug ? ' [known validator bug]' : ''}`, async () => {
      const absolute = fixturePath(name)
      const reports = await validateManifests([absolute], { env: NO_ENV })
      const own = reportFor(reports, absolute)
      assert.ok(own, `no report for ${name}`)
      assertDiagnostics(name, own, expectation.diagnostics, expectation.bug)
      const reached = expectation.reached ?? {}
      assert.deepEqual(reports.map((r) => relative(FIXTURES, resolve(r.file))).sort(), [name, ...Object.keys(reached)].sort(), `${name}: reports for the manifests it reaches`)
      for (const [other, diagnostics] of Object.entries(reached)) assertDiagnostics(`${other} (reached from ${name})`, reportFor(reports, fixturePath(other))!, diagnostics)
    })
  }

  test('messages name the key, never a bare list index such as "`0` is missing …"', async () => {
    const offenders: string[] = []
    for (const name of Object.keys(CASES)) {
      const report = await validateManifest(fixturePath(name), { env: NO_ENV })
      for (const d of report.diagnostics) if (/^`\d+`/.test(d.message)) offenders.push(`${name}:${d.line}:${d.column} ${d.code}: ${d.message}`)
    }
    assert.deepEqual(offenders, [], 'KNOWN VALIDATOR BUG: schema-diagnostics names the last path segment, which for a list item is its index')
  })

  test('the inline-secret manifests are valid, with only the warning', async () => {
    for (const name of ['inline-secret-api-key.yaml', 'inline-secret-webhook.yaml']) {
      const report = await validateManifest(fixturePath(name), { env: NO_ENV })
      assert.ok(report.manifest, `${name} should be valid`)
      assert.deepEqual(report.diagnostics.map((d) => [d.code, d.severity]), [[C.inlineSecret, 'warning']])
    }
  })

  test('env fixtures are otherwise valid: with the variables set they have no diagnostics', async () => {
    const env = { OPENAI_API_KEY: 'sk-test', MODEL_NAME: 'gpt-4o-mini', LLM_HOST: 'localhost' }
    assert.deepEqual((await validateManifest(fixturePath('env-missing.yaml'), { env })).diagnostics, [])
    const number = await validateManifest(fixturePath('env-missing-number.yaml'), { env: { MAX_TURNS: '8' } })
    assert.deepEqual(number.diagnostics, [])
    assert.equal(number.manifest?.limits.maxTurns, 8)
  })

  test('E_FILE_TOO_LARGE: a 17 MiB file is refused before it is parsed', async () => {
    const file = join(tmp, 'huge.yaml')
    const header = 'agentor: 1\nname: huge\nmodel:\n  provider: anthropic\n  name: claude-haiku-4-5\n'
    writeFileSync(file, header + '#'.repeat(17 * 1024 * 1024 - header.length))
    const report = await validateManifest(file, { env: NO_ENV })
    assert.deepEqual(report.diagnostics.map((d) => [d.code, d.line, d.column, d.path]), [[C.fileTooLarge, 1, 1, '$']])
    assert.match(report.diagnostics[0]!.message, /17\.0 MiB/)
    assert.equal(report.text, undefined)
  })

  test('E_FILE_UNREADABLE: a path that does not exist', async () => {
    const report = await validateManifest(fixturePath('no-such-manifest.yaml'), { env: NO_ENV })
    assert.deepEqual(report.diagnostics.map((d) => [d.code, d.line, d.column, d.path]), [[C.fileUnreadable, 1, 1, '$']])
    assert.match(report.diagnostics[0]!.message, /ENOENT/)
  })

  test('E_SCHEMA is unreachable: every ajv keyword in the compiled validator has its own code', () => {
    const compiled = readFileSync(new URL('../src/engine/manifest/generated/validate-manifest.js', import.meta.url), 'utf8')
    const keywords = [...new Set([...compiled.matchAll(/keyword:\s*"(\w+)"/g)].map((m) => m[1]!))].sort()
    assert.ok(keywords.length > 0)
    const unmapped = keywords.filter((k) => !KEYWORDS_WITH_OWN_CODE.includes(k))
    assert.deepEqual(unmapped, [], 'these keywords would produce E_SCHEMA: add a fixture for it and drop it from NOT_FROM_A_FIXTURE')
  })
})
