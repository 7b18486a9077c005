// The benchmark's task, shared by every framework and the fake model: add up 1..10 with an `add`
// tool. The fake model asks for one addition per turn (nine tool turns), then answers with the
// sum, so every task is exactly ten model requests.
export const EXPECTED_SUM = 55
export const TURNS = 10
export const SYSTEM = 'You are a calculator. Use the add tool for every addition, one call at a time.'

/** The task number lets the fake server count the requests of each task separately. */
export function taskText(id) {
  return `Task ${id}: add up the whole numbers from 1 to 10.`
}

/** The tool, as a JSON schema (agentor's plugin and the bare-SDK floor use it as is). */
export const ADD_TOOL = {
  name: 'add',
  description: 'Add two numbers',
  parameters: {
    type: 'object',
    properties: { a: { type: 'number', description: 'first' }, b: { type: 'number', description: 'second' } },
    required: ['a', 'b'],
    additionalProperties: false,
  },
}

export function add({ a, b }) {
  return String(a + b)
}

/** Throws unless a framework's final answer carries the sum. */
export function checkAnswer(answer) {
  if (!String(answer).includes(String(EXPECTED_SUM))) throw new Error(`wrong final answer: ${JSON.stringify(answer)}`)
  return answer
}
