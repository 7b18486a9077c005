// A child process of `npm run bench:engine`: runs the benchmark task with one framework.
//   node harness.mjs <framework.mjs> oneshot <baseURL> <taskId>
//     one task, as a user's script would: imports, setup and the task; prints the answer.
//   node harness.mjs <framework.mjs> warm <baseURL> <firstTaskId> <warmups>
//     setup once, `warmups` tasks, prints `ready`; then for each line N on stdin runs N tasks and
//     prints their process.cpuUsage() as JSON, so the parent can interleave frameworks.
// A framework module's default export is `async (baseURL) => runTask`, where runTask(task)
// resolves to the final answer.
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { pathToFileURL } from 'node:url'
import { checkAnswer, taskText } from './task.mjs'

const [modulePath, mode, baseURL, firstId, warmups] = process.argv.slice(2)
const { default: setup } = await import(pathToFileURL(resolve(modulePath)).href)
const runTask = await setup(baseURL)
let id = Number(firstId)

if (mode === 'oneshot') {
  console.log(checkAnswer(await runTask(taskText(id))))
} else {
  for (let i = 0; i < Number(warmups); i++) checkAnswer(await runTask(taskText(id++)))
  console.log('ready')
  for await (const line of createInterface({ input: process.stdin })) {
    const before = process.cpuUsage()
    for (let i = 0; i < Number(line); i++) checkAnswer(await runTask(taskText(id++)))
    const used = process.cpuUsage(before)
    console.log(JSON.stringify({ cpuMs: (used.user + used.system) / 1000 }))
  }
}
