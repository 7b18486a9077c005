import { spawn, type ChildProcess } from 'node:child_process'
import { constants } from 'node:fs'
import { access, readdir, readFile } from 'node:fs/promises'
import { SkillError } from '../skills/contract.js'

export interface DriverProcess {
  port: number
  pid: number
  /** Stops the driver and every browser process it started (they share its process group). */
  stop(): Promise<void>
}

/** chromedriver: "ChromeDriver was started successfully on port 40123."; geckodriver: "Listening on 127.0.0.1:40123". */
const READY_LINE = /started successfully on port (\d+)|Listening on [^\s]+:(\d+)/
const STOP_GRACE_MS = 3000

/**
 * The group leader: a shell that starts the driver and waits on a pipe from agentor. Whenever agentor ends, even
 * by SIGKILL, the pipe closes and the shell kills the whole group, so no driver or browser outlives it.
 */
const WATCHDOG = `exec 3<&0
"$0" "$@" </dev/null &
driver=$!
{ read -r _ <&3; kill -KILL 0; } &
wait "$driver"`

/**
 * Starts a WebDriver server (chromedriver, geckodriver…) on a free 127.0.0.1 port it picks itself (`--port=0`),
 * in a process group of its own, so the browsers it launches can be killed with it even if it dies first.
 */
export async function startDriver(driverPath: string, timeoutMs: number): Promise<DriverProcess> {
  // A bare name is looked up on PATH by the shell; a path is checked here, to name the problem precisely.
  if (driverPath.includes('/')) await access(driverPath, constants.X_OK).catch((error: NodeJS.ErrnoException) => { throw spawnError(driverPath, error) })
  const child = spawn('/bin/sh', ['-c', WATCHDOG, driverPath, '--port=0'], { detached: true, stdio: ['pipe', 'pipe', 'pipe'] })
  let output = ''
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new SkillError(`the WebDriver server ${driverPath} (browser.driverPath) did not report a port within ${timeoutMs} ms`)), timeoutMs)
      const settle = (outcome: () => void): void => {
        clearTimeout(timer)
        outcome()
      }
      const onData = (chunk: Buffer): void => {
        output = (output + chunk.toString('utf8')).slice(-4000)
        const match = READY_LINE.exec(output)
        if (match) settle(() => resolve(Number(match[1] ?? match[2])))
      }
      child.stdout!.on('data', onData)
      child.stderr!.on('data', onData)
      child.once('error', (error: NodeJS.ErrnoException) => settle(() => reject(spawnError(driverPath, error))))
      child.once('exit', (code, signal) =>
        settle(() => reject(new SkillError(`the WebDriver server ${driverPath} (browser.driverPath) exited (${signal ?? `code ${code}`}) before it was ready: ${lastLines(output)}`))),
      )
    })
    // Nobody reads its log from here on; drain it so the pipe never fills and blocks the driver.
    child.stdout!.resume()
    child.stderr!.resume()
    return { port, pid: child.pid!, stop: () => stopGroup(child) }
  } catch (error) {
    await stopGroup(child)
    throw error
  }
}

function spawnError(driverPath: string, error: NodeJS.ErrnoException): SkillError {
  const problem = error.code === 'ENOENT' ? 'not found' : error.code === 'EACCES' ? 'not executable' : (error.code ?? error.message)
  return new SkillError(
    `cannot start the WebDriver server: ${driverPath} is ${problem}; install chromedriver (or another WebDriver server) and set browser.driverPath, or point browser.webdriverUrl at a running one`,
  )
}

function lastLines(output: string): string {
  const lines = output.trim().split('\n').slice(-3).join(' | ')
  return lines === '' ? '(no output)' : lines
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // The group is already empty.
  }
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined) return
  const exited = child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise<void>((resolve) => child.once('exit', () => resolve()))
  signalGroup(child, 'SIGTERM')
  let timer: NodeJS.Timeout | undefined
  const gaveUp = await Promise.race([exited.then(() => false), new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(true), STOP_GRACE_MS) })])
  clearTimeout(timer)
  // Browser processes that outlived the driver (or ignored SIGTERM) go too.
  signalGroup(child, 'SIGKILL')
  if (gaveUp) await exited
  await groupGone(child.pid)
}

/**
 * Resolves once no process of group `pgid` is left running (zombies, which hold nothing, do not count), so a
 * closed session means gone processes. Linux only (/proc); elsewhere it resolves at once.
 */
async function groupGone(pgid: number): Promise<void> {
  const deadline = Date.now() + STOP_GRACE_MS
  while (Date.now() < deadline && (await liveGroupMembers(pgid)) > 0) await new Promise((resolve) => setTimeout(resolve, 20))
}

async function liveGroupMembers(pgid: number): Promise<number> {
  let entries: string[]
  try {
    entries = await readdir('/proc')
  } catch {
    return 0
  }
  let live = 0
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '')
    // Fields after the parenthesised command: state, ppid, pgrp, …
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(group) === pgid && state !== 'Z' && state !== 'X') live++
  }
  return live
}
