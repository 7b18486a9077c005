export type Severity = 'error' | 'warning'

/** A problem found in a manifest, located in its source. Diagnostics are data; the CLI renders them. */
export interface Diagnostic {
  file: string
  /** 1-based. */
  line: number
  /** 1-based. */
  column: number
  endLine?: number
  endColumn?: number
  /** JSON path of the offending node, e.g. `$.model.fallbacks[0].name`; `$` for the whole file. */
  path: string
  code: string
  severity: Severity
  message: string
  hint?: string
}

/** Diagnostic codes. Stable: users match on them in CI. */
export const Codes = {
  fileUnreadable: 'E_FILE_UNREADABLE',
  fileBinary: 'E_FILE_BINARY',
  fileEmpty: 'E_FILE_EMPTY',
  fileTooLarge: 'E_FILE_TOO_LARGE',
  yamlSyntax: 'E_YAML_SYNTAX',
  yamlDuplicateKey: 'E_YAML_DUPLICATE_KEY',
  yamlAliasLimit: 'E_YAML_ALIAS_LIMIT',
  yamlMultipleDocuments: 'E_YAML_MULTIPLE_DOCUMENTS',
  notAMapping: 'E_MANIFEST_NOT_A_MAPPING',
  envMissing: 'E_ENV_MISSING',
  envSyntax: 'E_ENV_SYNTAX',
  dotenvUnreadable: 'E_DOTENV_UNREADABLE',
  unknownKey: 'E_SCHEMA_UNKNOWN_KEY',
  missingKey: 'E_SCHEMA_REQUIRED',
  wrongType: 'E_SCHEMA_TYPE',
  notAllowed: 'E_SCHEMA_ENUM',
  pattern: 'E_SCHEMA_PATTERN',
  range: 'E_SCHEMA_RANGE',
  length: 'E_SCHEMA_LENGTH',
  duplicateItem: 'E_SCHEMA_DUPLICATE_ITEM',
  schema: 'E_SCHEMA',
  unknownSkill: 'E_REF_UNKNOWN_SKILL',
  unknownGroup: 'E_REF_UNKNOWN_GROUP',
  groupShadowsBuiltin: 'E_REF_GROUP_SHADOWS_BUILTIN',
  duplicateName: 'E_REF_DUPLICATE_NAME',
  skillPathMissing: 'E_REF_SKILL_PATH_MISSING',
  skillInvalid: 'E_SKILL_INVALID',
  subAgentMissing: 'E_REF_SUBAGENT_MISSING',
  subAgentInvalid: 'E_REF_SUBAGENT_INVALID',
  subAgentCycle: 'E_REF_SUBAGENT_CYCLE',
  scriptFileMissing: 'E_REF_SCRIPT_FILE_MISSING',
  nestedFallbacks: 'E_REF_NESTED_FALLBACKS',
  scriptedWithoutScript: 'E_REF_SCRIPT_MISSING',
  sandboxMissing: 'E_REF_SANDBOX_MISSING',
  badRegex: 'E_REF_BAD_REGEX',
  cronInvalid: 'E_CRON_INVALID',
  timezoneUnknown: 'E_TIMEZONE_UNKNOWN',
  templatePlaceholder: 'E_TEMPLATE_PLACEHOLDER',
  templateSyntax: 'E_TEMPLATE_SYNTAX',
  sessionHeaderMissing: 'E_REF_SESSION_HEADER_MISSING',
  inlineSecret: 'W_INLINE_SECRET',
} as const

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error')
}
