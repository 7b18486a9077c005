import Init from './init.js'
import MemoryEval from './memory/eval.js'
import MemoryExplain from './memory/explain.js'
import MemoryIndex from './memory/index.js'
import MemorySearch from './memory/search.js'
import MemoryStats from './memory/stats.js'
import Run from './run.js'
import SandboxCheck from './sandbox/check.js'
import Schema from './schema.js'
import TranscriptList from './transcript/list.js'
import TranscriptShow from './transcript/show.js'
import Validate from './validate.js'

export const COMMANDS = {
  init: Init,
  'memory:eval': MemoryEval,
  'memory:explain': MemoryExplain,
  'memory:index': MemoryIndex,
  'memory:search': MemorySearch,
  'memory:stats': MemoryStats,
  run: Run,
  'sandbox:check': SandboxCheck,
  schema: Schema,
  'transcript:list': TranscriptList,
  'transcript:show': TranscriptShow,
  validate: Validate,
}
