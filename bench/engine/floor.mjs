// The floor: a hand-written tool loop on the bare `openai` SDK (the copy agentor itself uses),
// streaming with usage like agentor's OpenAI backend, so the difference is agentor's own work.
import OpenAI from 'openai'
import { ADD_TOOL, SYSTEM, add } from './task.mjs'

export default async function setup(baseURL) {
  const client = new OpenAI({ baseURL, apiKey: process.env.OPENAI_API_KEY })
  const tools = [{ type: 'function', function: ADD_TOOL }]
  return async (task) => {
    const messages = [{ role: 'system', content: SYSTEM }, { role: 'user', content: task }]
    for (;;) {
      const stream = await client.chat.completions.create({ model: 'bench-model', messages, tools, stream: true, stream_options: { include_usage: true } })
      let content = ''
      const calls = []
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta
        if (delta?.content) content += delta.content
        for (const part of delta?.tool_calls ?? []) {
          const call = (calls[part.index] ??= { id: '', type: 'function', function: { name: '', arguments: '' } })
          if (part.id) call.id = part.id
          if (part.function?.name) call.function.name = part.function.name
          if (part.function?.arguments) call.function.arguments += part.function.arguments
        }
      }
      if (calls.length === 0) return content
      messages.push({ role: 'assistant', content: content || null, tool_calls: calls })
      for (const call of calls) messages.push({ role: 'tool', tool_call_id: call.id, content: add(JSON.parse(call.function.arguments)) })
    }
  }
}
