import Init from './init.js'
import Run from './run.js'
import Schema from './schema.js'
import TranscriptList from './transcript/list.js'
import TranscriptShow from './transcript/show.js'
import Validate from './validate.js'

export const COMMANDS = {
  init: Init,
  run: Run,
  schema: Schema,
  'transcript:list': TranscriptList,
  'transcript:show': TranscriptShow,
  validate: Validate,
}
