import type { Skill } from '../contract.js'
import { artifactStoreSkill } from './artifact-store.js'
import { fileReadSkill } from './file-read.js'
import { fileSearchSkill } from './file-search.js'
import { fileWriteSkill } from './file-write.js'
import { httpFetchSkill } from './http-fetch.js'
import { humanApprovalSkill } from './human-approval.js'
import { listDirSkill } from './list-dir.js'
import { shellSkill } from './shell.js'
import { taskStatusSkill } from './task-status.js'

/** The builtin skills implemented so far, keyed by name. */
export const BUILTIN_SKILLS: Record<string, Skill> = Object.fromEntries([
  fileReadSkill, fileWriteSkill, listDirSkill, fileSearchSkill, shellSkill, httpFetchSkill,
  humanApprovalSkill, artifactStoreSkill, taskStatusSkill,
].map((skill) => [skill.name, skill]))
