// The fake model of `npm run bench:engine`, in the benchmark's own process: the children measure
// their own CPU time, so the server's work is never counted for any framework.
// For each request it reads the task number and the tool results so far: with n < 9 results it
// asks for add(<last result, or 1>, n + 2); with 9 it answers with the last result, the sum.
import { countToolResults, startFakeModelServer, type RecordedRequest } from '../../test/support/fake-model-server.js'
import { TURNS } from './task.mjs'

export interface TaskServer {
  /** Base URL for OpenAI clients (`…/v1`). */
  readonly baseURL: string
  /** Throws unless tasks first..first+count-1, and no others, each made exactly TURNS requests; then forgets them. */
  verify(label: string, first: number, count: number): void
  close(): Promise<void>
}

export async function startTaskServer(): Promise<TaskServer> {
  const server = await startFakeModelServer()
  const requestsPerTask = new Map<number, number>()
  server.respond((request) => {
    const task = taskNumber(request)
    requestsPerTask.set(task, (requestsPerTask.get(task) ?? 0) + 1)
    const results = countToolResults(request)
    const total = results === 0 ? 1 : lastToolResult(request)
    if (results < TURNS - 1) return { toolCalls: [{ name: 'add', arguments: { a: total, b: results + 2 } }] }
    return { text: `The sum of the numbers from 1 to 10 is ${total}.` }
  })
  return {
    baseURL: `${server.url}/v1`,
    verify(label, first, count) {
      const problems: string[] = []
      for (let task = first; task < first + count; task++) {
        const requests = requestsPerTask.get(task) ?? 0
        if (requests !== TURNS) problems.push(`task ${task} made ${requests} requests`)
      }
      for (const task of requestsPerTask.keys()) if (task < first || task >= first + count) problems.push(`unexpected task ${task}`)
      requestsPerTask.clear()
      server.requests.length = 0
      if (problems.length) throw new Error(`${label}: expected ${TURNS} requests per task; ${problems.slice(0, 3).join(', ')}`)
    },
    close: () => server.close(),
  }
}

function taskNumber(request: RecordedRequest): number {
  const messages: { role?: string; content?: unknown }[] = request.body?.messages ?? []
  const task = messages.find((message) => message.role === 'user')
  const match = /Task (\d+):/.exec(textOf(task?.content))
  if (!match) throw new Error('fake model: no "Task N:" in the first user message')
  return Number(match[1])
}

function lastToolResult(request: RecordedRequest): number {
  const messages: { role?: string; content?: unknown }[] = request.body.messages
  const match = /-?\d+(\.\d+)?/.exec(textOf(messages.filter((message) => message.role === 'tool').at(-1)?.content))
  if (!match) throw new Error('fake model: the last tool result holds no number')
  return Number(match[0])
}

/** Message content as text, whether a string or an array of text parts. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content
  if (Array.isArray(content)) return content.map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : '')).join('')
  return ''
}
