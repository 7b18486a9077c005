// LangChain.js: LangGraph's prebuilt react agent with ChatOpenAI and a zod tool, streamed with
// streamMode 'messages' (model tokens; every model call streams) plus 'values' (the final state).
// Not `ChatOpenAI({ streaming: true })` + invoke(): that path estimates token counts with
// tiktoken ranks it downloads from tiktoken.pages.dev, which this machine cannot reach.
import { tool } from '@langchain/core/tools'
import { createReactAgent } from '@langchain/langgraph/prebuilt'
import { ChatOpenAI } from '@langchain/openai'
import { z } from 'zod'
import { ADD_TOOL, SYSTEM, add } from '../engine/task.mjs'

export default async function setup(baseURL) {
  const llm = new ChatOpenAI({ model: 'bench-model', apiKey: process.env.OPENAI_API_KEY, configuration: { baseURL } })
  const addTool = tool(async (args) => add(args), {
    name: ADD_TOOL.name,
    description: ADD_TOOL.description,
    schema: z.object({ a: z.number().describe('first'), b: z.number().describe('second') }),
  })
  const agent = createReactAgent({ llm, tools: [addTool], prompt: SYSTEM })
  return async (task) => {
    let state
    const stream = await agent.stream({ messages: [{ role: 'user', content: task }] }, { streamMode: ['messages', 'values'], recursionLimit: 50 })
    for await (const [mode, payload] of stream) if (mode === 'values') state = payload
    return state.messages.at(-1).content
  }
}
