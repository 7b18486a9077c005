// OpenAI Agents SDK: a Runner on chat completions, streamed, with a zod tool. The default client
// comes from the openai copy @openai/agents-openai nests (7.x; the top-level openai here is 6.x).
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { Agent, Runner, setDefaultOpenAIClient, setOpenAIAPI, setTracingDisabled, tool } from '@openai/agents'
import { z } from 'zod'
import { ADD_TOOL, SYSTEM, add } from '../engine/task.mjs'

const nestedOpenAI = dirname(createRequire(import.meta.resolve('@openai/agents-openai')).resolve('openai'))
const { default: OpenAI } = await import(pathToFileURL(join(nestedOpenAI, 'index.mjs')).href)

export default async function setup(baseURL) {
  setOpenAIAPI('chat_completions')
  setDefaultOpenAIClient(new OpenAI({ baseURL, apiKey: process.env.OPENAI_API_KEY }))
  // The default trace exporter uploads to api.openai.com, which this machine cannot reach.
  setTracingDisabled(true)
  const agent = new Agent({
    name: 'adder',
    instructions: SYSTEM,
    model: 'bench-model',
    tools: [tool({
      name: ADD_TOOL.name,
      description: ADD_TOOL.description,
      parameters: z.object({ a: z.number().describe('first'), b: z.number().describe('second') }),
      execute: async (args) => add(args),
    })],
  })
  const runner = new Runner()
  return async (task) => {
    const result = await runner.run(agent, task, { stream: true, maxTurns: 20 })
    for await (const _event of result);
    await result.completed
    return result.finalOutput
  }
}
