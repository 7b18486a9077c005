// The agentor plugin that provides the benchmark's `add` tool.
import { ADD_TOOL, add } from './task.mjs'

export default {
  name: 'add',
  setup(api) {
    api.registerSkill({ ...ADD_TOOL, risk: 'low', async invoke(args) { return add(args) } })
  },
}
