import Init from './init.js'
import Schema from './schema.js'
import Validate from './validate.js'

export const COMMANDS = { init: Init, schema: Schema, validate: Validate }
