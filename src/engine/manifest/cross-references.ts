import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { BUILTIN_SKILL_NAMES, BUILTIN_TOOL_GROUPS, isSkillPath } from '../skills/builtin-catalogue.js'
import { discoverSkillFiles, readSkillFile, type DiscoveredSkill } from '../skills/markdown/discover.js'
import { requiredTools } from '../skills/markdown/markdown-skills.js'
import { Codes, type Diagnostic } from './diagnostics.js'
import { displayPath } from './display-path.js'
import type { ResolvedAgentManifest, ResolvedModel } from './generated/manifest-types.js'
import type { PathSegment } from './json-path.js'
import { formatJsonPath } from './json-path.js'
import { locatedDiagnostic, type ManifestSource } from './source.js'
import { didYouMean } from './suggest.js'

export interface CrossReferenceContext {
  source: ManifestSource
  manifest: ResolvedAgentManifest
  baseDir: string
  interpolatedPaths: ReadonlySet<string>
}

type Report = (path: PathSegment[], code: string, message: string, hint?: string, severity?: Diagnostic['severity'], target?: 'key' | 'value') => void

/** Checks that names and paths the manifest mentions refer to things that exist. */
export function checkCrossReferences(context: CrossReferenceContext): Diagnostic[] {
  const diagnostics: Diagnostic[] = []
  const report: Report = (path, code, message, hint, severity = 'error', target = 'value') =>
    diagnostics.push(locatedDiagnostic(context.source, path, { code, message, severity, ...(hint ? { hint } : {}) }, target))
  const declared = declaredSkillNames(context, report, diagnostics)
  checkToolGroups(context.manifest, declared, report)
  checkApproval(context.manifest, declared, report)
  checkUniqueNames(context.manifest, report)
  checkModels(context, report)
  checkShellPatterns(context.manifest, report)
  checkSandbox(context.manifest, report)
  checkInlineSecrets(context, report)
  return diagnostics
}

function declaredSkillNames(context: CrossReferenceContext, report: Report, diagnostics: Diagnostic[]): Set<string> {
  const names = new Set<string>()
  const markdownSkills: DiscoveredSkill[] = []
  context.manifest.skills.forEach((entry, index) => {
    if (!isSkillPath(entry)) {
      if ((BUILTIN_SKILL_NAMES as readonly string[]).includes(entry)) names.add(entry)
      else report(['skills', index], Codes.unknownSkill, `unknown skill \`${entry}\``, didYouMean(entry, BUILTIN_SKILL_NAMES) ?? `builtin skills: ${BUILTIN_SKILL_NAMES.join(', ')}; a path to Markdown skills must contain \`/\``)
      return
    }
    const path = resolve(context.baseDir, entry)
    if (!existsSync(path)) return report(['skills', index], Codes.skillPathMissing, `skill path \`${entry}\` does not exist`, `resolved to ${displayPath(path)}`)
    const files = discoverSkillFiles(path)
    if (files.length === 0) report(['skills', index], Codes.skillPathMissing, `no SKILL.md files under \`${entry}\``, 'Markdown skills live in `<dir>/<name>/SKILL.md` or are `.md` files named directly')
    for (const file of files) {
      const skill = readSkillFile(file)
      if (skill.problem) diagnostics.push(skillFileDiagnostic(file, skill.problem.line, skill.problem.column, skill.problem.message))
      else {
        names.add(skill.name!)
        markdownSkills.push(skill)
      }
    }
  })
  for (const server of context.manifest.mcpServers) names.add(`mcp_${server.name}_*`)
  for (const plugin of context.manifest.plugins) for (const skill of plugin.skills) names.add(skill)
  for (const skill of markdownSkills) {
    for (const tool of requiredTools(skill).filter((tool) => !isDeclared(tool, names))) {
      const { line, column } = frontmatterPosition(skill, 'allowed-tools', tool)
      diagnostics.push(skillFileDiagnostic(skill.file, line, column, `skill \`${skill.name}\` needs \`${tool}\`, which the manifest does not declare`, unknownSkillHint(tool, names)))
    }
  }
  return names
}

function skillFileDiagnostic(file: string, line: number, column: number, message: string, hint?: string): Diagnostic {
  return { file: displayPath(file), line, column, endLine: line, endColumn: column, path: '$', code: Codes.skillInvalid, severity: 'error', message, ...(hint ? { hint } : {}) }
}

/** Where `text` is written in the frontmatter entry `key` (which may continue on indented lines). */
function frontmatterPosition(skill: DiscoveredSkill, key: string, text: string): { line: number; column: number } {
  const lines = readFileSync(skill.file, 'utf8').split('\n')
  const start = lines.findIndex((line) => line.startsWith(`${key}:`))
  for (let index = Math.max(start, 0); start >= 0 && index < lines.length; index++) {
    if (index > start && !/^\s/.test(lines[index]!)) break
    const at = lines[index]!.indexOf(text, index === start ? key.length + 1 : 0)
    if (at >= 0) return { line: index + 1, column: at + 1 }
  }
  return { line: start + 1 || 1, column: 1 }
}

function isDeclared(name: string, declared: ReadonlySet<string>): boolean {
  if (declared.has(name)) return true
  return [...declared].some((entry) => entry.endsWith('_*') && name.startsWith(entry.slice(0, -1)))
}

function unknownSkillHint(name: string, declared: ReadonlySet<string>): string {
  const concrete = [...declared].filter((entry) => !entry.endsWith('_*'))
  return didYouMean(name, concrete) ?? (concrete.length ? `declared skills: ${concrete.join(', ')}` : 'declare it under `skills:` first')
}

function checkToolGroups(manifest: ResolvedAgentManifest, declared: ReadonlySet<string>, report: Report) {
  for (const [group, members] of Object.entries(manifest.toolGroups)) {
    if (group in BUILTIN_TOOL_GROUPS) report(['toolGroups', group], Codes.groupShadowsBuiltin, `\`${group}\` is a builtin tool group`, 'choose another name for your group', 'error', 'key')
    for (const [index, member] of (members ?? []).entries()) {
      if (!isDeclared(member, declared)) report(['toolGroups', group, index], Codes.unknownSkill, `tool group \`${group}\` names \`${member}\`, which is not a declared skill`, unknownSkillHint(member, declared))
    }
  }
  const group = manifest.tools.group
  const groups = [...Object.keys(BUILTIN_TOOL_GROUPS), ...Object.keys(manifest.toolGroups)]
  if (!groups.includes(group)) report(['tools', 'group'], Codes.unknownGroup, `unknown tool group \`${group}\``, didYouMean(group, groups) ?? `groups: ${groups.join(', ')}`)
}

function checkApproval(manifest: ResolvedAgentManifest, declared: ReadonlySet<string>, report: Report) {
  manifest.approval.require.forEach((name, index) => {
    if (!isDeclared(name, declared)) report(['approval', 'require', index], Codes.unknownSkill, `approval rule names \`${name}\`, which is not a declared skill`, unknownSkillHint(name, declared))
  })
}

function checkSandbox(manifest: ResolvedAgentManifest, report: Report) {
  if (manifest.sandbox.docker) return
  const index = manifest.skills.indexOf('docker_shell')
  if (index >= 0) report(['skills', index], Codes.sandboxMissing, '`docker_shell` needs a Docker sandbox, and `sandbox.docker` is not set', 'add `sandbox: { docker: { image: … } }` (agentor never runs it on the host)')
}

function checkUniqueNames(manifest: ResolvedAgentManifest, report: Report) {
  const lists: [string, { name: string }[]][] = [['webhooks', manifest.webhooks], ['schedules', manifest.schedules], ['mcpServers', manifest.mcpServers]]
  for (const [section, items] of lists) {
    const first = new Map<string, number>()
    items.forEach((item, index) => {
      const earlier = first.get(item.name)
      if (earlier === undefined) first.set(item.name, index)
      else report([section, index, 'name'], Codes.duplicateName, `duplicate ${section} name \`${item.name}\``, `also used by ${section}[${earlier}]; names must be unique`)
    })
  }
}

function checkModels(context: CrossReferenceContext, report: Report) {
  const chain: [PathSegment[], ResolvedModel][] = [[['model'], context.manifest.model], ...context.manifest.model.fallbacks.map((model, index): [PathSegment[], ResolvedModel] => [['model', 'fallbacks', index], model])]
  for (const [path, model] of chain) {
    if (path.length > 1 && model.fallbacks.length > 0) report([...path, 'fallbacks'], Codes.nestedFallbacks, 'a fallback model cannot have fallbacks of its own', 'list every fallback under the primary `model.fallbacks`, in order')
    if (model.provider !== 'scripted') continue
    if (!model.script && !model.scriptFile) report(path, Codes.scriptedWithoutScript, 'a scripted model needs `script` (a list of turns) or `scriptFile`')
    if (model.script && model.scriptFile) report([...path, 'scriptFile'], Codes.scriptedWithoutScript, 'give either `script` or `scriptFile`, not both')
    if (model.scriptFile && !existsSync(resolve(context.baseDir, model.scriptFile))) report([...path, 'scriptFile'], Codes.scriptFileMissing, `script file \`${model.scriptFile}\` does not exist`)
  }
}

function checkShellPatterns(manifest: ResolvedAgentManifest, report: Report) {
  manifest.skillSettings.shell.deny.forEach((pattern, index) => {
    try {
      new RegExp(pattern)
    } catch (error) {
      report(['skillSettings', 'shell', 'deny', index], Codes.badRegex, (error as Error).message)
    }
  })
}

const PROVIDER_KEY_VARIABLES: Record<string, string> = { openai: 'OPENAI_API_KEY', anthropic: 'ANTHROPIC_API_KEY', scripted: 'API_KEY' }

function checkInlineSecrets(context: CrossReferenceContext, report: Report) {
  const { manifest } = context
  const secrets: [PathSegment[], string | undefined, string][] = [
    [['model', 'apiKey'], manifest.model.apiKey, PROVIDER_KEY_VARIABLES[manifest.model.provider]!],
    ...manifest.model.fallbacks.map((model, index): [PathSegment[], string, string] => [['model', 'fallbacks', index, 'apiKey'], model.apiKey, PROVIDER_KEY_VARIABLES[model.provider]!]),
    [['memory', 'embedder', 'apiKey'], manifest.memory.embedder.apiKey, 'OPENAI_API_KEY'],
    ...manifest.webhooks.map((webhook, index): [PathSegment[], string | undefined, string] => [['webhooks', index, 'secret'], webhook.secret, `${webhook.name.toUpperCase().replace(/-/g, '_')}_SECRET`]),
  ]
  for (const [path, value, variable] of secrets) {
    if (value && !context.interpolatedPaths.has(formatJsonPath(path))) {
      report(path, Codes.inlineSecret, 'secret is written into the manifest', `reference an environment variable instead, e.g. \`\${${variable}}\`, so it stays out of git`, 'warning')
    }
  }
}
