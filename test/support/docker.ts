/**
 * The real Docker engine for the sandbox tests, and the local image scripts/test-services.sh builds.
 * Without them the tests are skipped with the reason, except under CI, where they must run.
 */
import Docker from 'dockerode'
import { LABELS } from '../../src/engine/sandbox/container-spec.js'

export const TEST_IMAGE = 'agentor/busybox:1'
export const DOCKER_REQUIRED = Boolean(process.env.CI)

/** `false` when the engine answers and has TEST_IMAGE; otherwise why the sandbox tests cannot run. */
export async function dockerUnavailable(): Promise<false | string> {
  const docker = new Docker()
  try {
    await docker.ping()
  } catch (error) {
    return `no Docker engine (${(error as Error).message}); run scripts/test-services.sh`
  }
  try {
    await docker.getImage(TEST_IMAGE).inspect()
  } catch {
    return `image ${TEST_IMAGE} missing; build it with \`bash scripts/build-sandbox-image.sh ${TEST_IMAGE}\``
  }
  return false
}

/** Containers (running or not) carrying `label=value`, as the engine lists them. */
export async function containersLabelled(label: string, value: string): Promise<Docker.ContainerInfo[]> {
  return new Docker().listContainers({ all: true, filters: { label: [`${label}=${value}`] } })
}

export const containersOfSession = (sessionId: string) => containersLabelled(LABELS.session, sessionId)
