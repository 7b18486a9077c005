import type { Skill } from '../contract.js'
import { fileReadSkill } from './file-read.js'
import { fileWriteSkill } from './file-write.js'
import { listDirSkill } from './list-dir.js'
import { shellSkill } from './shell.js'

export { fileReadSkill } from './file-read.js'
export { fileWriteSkill } from './file-write.js'
export { listDirSkill } from './list-dir.js'
export { shellSkill } from './shell.js'

/** The builtin skills implemented so far, keyed by name. */
export const BUILTIN_SKILLS: Record<string, Skill> = {
  [fileReadSkill.name]: fileReadSkill,
  [fileWriteSkill.name]: fileWriteSkill,
  [listDirSkill.name]: listDirSkill,
  [shellSkill.name]: shellSkill,
}
