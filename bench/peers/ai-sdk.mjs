// Vercel AI SDK: streamText (generateText's streaming twin, same options) with a zod tool on
// the chat-completions model, up to 20 steps. `await result.text` consumes the stream.
import { createOpenAI } from '@ai-sdk/openai'
import { stepCountIs, streamText, tool } from 'ai'
import { z } from 'zod'
import { ADD_TOOL, SYSTEM, add } from '../engine/task.mjs'

export default async function setup(baseURL) {
  const model = createOpenAI({ baseURL, apiKey: process.env.OPENAI_API_KEY }).chat('bench-model')
  const tools = {
    add: tool({
      description: ADD_TOOL.description,
      inputSchema: z.object({ a: z.number().describe('first'), b: z.number().describe('second') }),
      execute: async (args) => add(args),
    }),
  }
  return async (prompt) => {
    const result = streamText({ model, system: SYSTEM, prompt, tools, stopWhen: stepCountIs(20) })
    return await result.text
  }
}
