import Docker from 'dockerode'
import { AgentorError } from '../errors.js'

/** How long the engine gets to answer a ping before it counts as unreachable. */
const PING_TIMEOUT_MS = 5000

/** Where agentor looks for the Docker engine: `DOCKER_HOST`, else the default socket (as the docker CLI does). */
export function engineAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_HOST || 'unix:///var/run/docker.sock'
}

/** A client for the Docker engine, checked to answer; otherwise an `E_SANDBOX_ENGINE_UNREACHABLE` error. */
export async function connectToEngine(): Promise<Docker> {
  const docker = new Docker()
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${PING_TIMEOUT_MS / 1000}s`)), PING_TIMEOUT_MS) }),
    ])
  } catch (error) {
    throw new AgentorError(
      'E_SANDBOX_ENGINE_UNREACHABLE',
      `the Docker engine at ${engineAddress()} is not reachable (${describeError(error)}); the manifest asks for sandbox.docker, so no command runs on the host instead`,
      'start dockerd (or Docker Desktop), or point DOCKER_HOST at a running engine',
    )
  } finally {
    clearTimeout(timer)
  }
  return docker
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const code = (error as NodeJS.ErrnoException).code
  const message = (error as { json?: { message?: string } }).json?.message ?? error.message
  return code && !message.includes(code) ? `${code}: ${message}` : message
}

/** The engine's "no such thing" answer (a container or image that is gone). */
export function isNotFound(error: unknown): boolean {
  return (error as { statusCode?: number }).statusCode === 404
}
