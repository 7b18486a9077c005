import type Docker from 'dockerode'
import { AgentorError } from '../errors.js'
import { describeError, isNotFound } from './engine.js'

export interface PullProgress {
  image: string
  /** Layers seen so far, and how many of them are done. */
  layers: number
  layersDone: number
  /** Bytes downloaded of what the registry has announced so far. */
  downloadedBytes: number
  totalBytes: number
}

interface PullEvent {
  id?: string
  status?: string
  progressDetail?: { current?: number; total?: number }
  error?: string
}

/** Reports at most this often while pulling, so a large image does not flood the transcript. */
const PROGRESS_INTERVAL_MS = 1000

/**
 * Makes sure `image` is present: a local image is used as it is; a missing one is pulled with progress
 * reports. When it cannot be pulled (no registry, no such image) the error names the image and how to
 * build or load it locally.
 */
export async function ensureImage(docker: Docker, image: string, onProgress: (progress: PullProgress) => void): Promise<'local' | 'pulled'> {
  try {
    await docker.getImage(image).inspect()
    return 'local'
  } catch (error) {
    if (!isNotFound(error)) throw new AgentorError('E_SANDBOX_IMAGE', `could not inspect image ${image}: ${describeError(error)}`)
  }
  try {
    await pull(docker, image, onProgress)
    return 'pulled'
  } catch (error) {
    throw new AgentorError(
      'E_SANDBOX_IMAGE_MISSING',
      `image ${image} is not present locally and could not be pulled: ${describeError(error)}`,
      `build it with \`bash scripts/build-sandbox-image.sh ${image}\` (a busybox image), \`docker build -t ${image} .\`, or load a saved one with \`docker load -i <file.tar>\``,
    )
  }
}

async function pull(docker: Docker, image: string, onProgress: (progress: PullProgress) => void): Promise<void> {
  const stream = await docker.pull(image)
  const layers = new Map<string, { done: boolean; current: number; total: number }>()
  let lastReport = 0
  await new Promise<void>((resolve, reject) => {
    docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve()), (event: PullEvent) => {
      if (event.error) return reject(new Error(event.error))
      // `Pulling from <repo>` carries the tag as its id, not a layer.
      if (!event.id || !event.status || event.status.startsWith('Pulling from')) return
      const layer = layers.get(event.id) ?? { done: false, current: 0, total: 0 }
      if (event.status === 'Pull complete' || event.status === 'Already exists') layer.done = true
      if (event.status === 'Downloading') {
        layer.current = event.progressDetail?.current ?? layer.current
        layer.total = event.progressDetail?.total ?? layer.total
      }
      layers.set(event.id, layer)
      const now = Date.now()
      if (now - lastReport < PROGRESS_INTERVAL_MS && !layer.done) return
      lastReport = now
      const all = [...layers.values()]
      onProgress({
        image, layers: all.length, layersDone: all.filter((entry) => entry.done).length,
        downloadedBytes: all.reduce((sum, entry) => sum + entry.current, 0), totalBytes: all.reduce((sum, entry) => sum + entry.total, 0),
      })
    })
  })
}
