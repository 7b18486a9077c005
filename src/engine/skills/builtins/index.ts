import { AgentorError } from '../../errors.js'
import type { ResolvedAgentManifest } from '../../manifest/generated/manifest-types.js'
import type { Skill } from '../contract.js'

/** What a builtin may be configured from: skills such as `docker_shell` and `browser` take their manifest section. */
export interface BuiltinSkillOptions {
  manifest: ResolvedAgentManifest
  /** Directory of the manifest file. */
  baseDir: string
}

/**
 * The builtin skills by name, each loaded only when a manifest declares it: some pull in heavy
 * modules (http_fetch loads undici), and a run should not pay for tools it does not have.
 */
export const BUILTIN_SKILL_LOADERS: Readonly<Record<string, (options: BuiltinSkillOptions) => Promise<Skill>>> = {
  file_read: async () => (await import('./file-read.js')).fileReadSkill,
  file_write: async () => (await import('./file-write.js')).fileWriteSkill,
  list_dir: async () => (await import('./list-dir.js')).listDirSkill,
  file_search: async () => (await import('./file-search.js')).fileSearchSkill,
  shell: async ({ manifest }) => {
    if (!manifest.sandbox.docker) return (await import('./shell.js')).shellSkill
    return (await import('./docker-shell.js')).createDockerShellSkill('shell', manifest.sandbox.docker)
  },
  docker_shell: async ({ manifest }) => {
    if (!manifest.sandbox.docker) throw new AgentorError('E_SANDBOX_NOT_CONFIGURED', '`docker_shell` needs `sandbox.docker` in the manifest', 'add `sandbox: { docker: { image: … } }`, or use `shell`')
    return (await import('./docker-shell.js')).createDockerShellSkill('docker_shell', manifest.sandbox.docker)
  },
  http_fetch: async () => (await import('./http-fetch.js')).httpFetchSkill,
  human_approval: async () => (await import('./human-approval.js')).humanApprovalSkill,
  artifact_store: async () => (await import('./artifact-store.js')).artifactStoreSkill,
  task_status: async () => (await import('./task-status.js')).taskStatusSkill,
  browser: async ({ manifest }) => (await import('../../browser/skill.js')).createBrowserSkill(manifest.browser),
}
