/** Names of the skills agentor ships, and the builtin tool groups over them. */
export const BUILTIN_SKILL_NAMES = [
  'file_read', 'file_write', 'list_dir', 'file_search', 'shell', 'http_fetch',
  'human_approval', 'artifact_store', 'task_status', 'agent_delegate',
  'memory_store', 'memory_search', 'docker_shell', 'browser',
] as const

export type BuiltinSkillName = (typeof BUILTIN_SKILL_NAMES)[number]

/** `full` is every skill the manifest declares. */
export const BUILTIN_TOOL_GROUPS: Readonly<Record<string, readonly BuiltinSkillName[] | 'all'>> = {
  minimal: ['file_read', 'list_dir', 'file_search'],
  coding: ['file_read', 'file_write', 'list_dir', 'file_search', 'shell', 'memory_store', 'memory_search'],
  web: ['http_fetch', 'browser'],
  memory: ['memory_store', 'memory_search'],
  orchestration: ['agent_delegate', 'task_status', 'human_approval', 'artifact_store', 'memory_search'],
  full: 'all',
}

/** A `skills` entry naming a path (to Markdown skills) rather than a builtin. */
export function isSkillPath(entry: string): boolean {
  return entry.includes('/') || entry.endsWith('.md')
}
