// Pulling a missing sandbox image, against a stand-in Docker API on a unix socket (no registry is
// reachable here, so the real engine can only show the failure): progress is reported as layers
// download, and a failed pull names the image and how to build or load it.
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, test } from 'node:test'
import Docker from 'dockerode'
import { ensureImage, type PullProgress } from '../src/engine/sandbox/image.js'

const dir = mkdtempSync(join(tmpdir(), 'agentor-fake-engine-'))
after(() => rmSync(dir, { recursive: true, force: true }))

/** A Docker API that has no images and answers pulls with `pullEvents` (JSON lines, as the engine streams them). */
async function fakeEngine(pullEvents: object[]): Promise<{ docker: Docker; pulled: string[]; close: () => Promise<void> }> {
  const socketPath = join(dir, `engine-${pullEvents.length}-${Date.now()}.sock`)
  const pulled: string[] = []
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url!, 'http://engine')
    if (request.method === 'GET' && url.pathname.startsWith('/images/')) {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'No such image' }))
    } else if (request.method === 'POST' && url.pathname === '/images/create') {
      pulled.push(`${url.searchParams.get('fromImage')}:${url.searchParams.get('tag')}`)
      response.writeHead(200, { 'content-type': 'application/json' })
      for (const event of pullEvents) response.write(`${JSON.stringify(event)}\r\n`)
      response.end()
    } else response.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(socketPath, resolve))
  return { docker: new Docker({ socketPath }), pulled, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

test('a missing image is pulled, with progress reported per layer until every layer is done', async () => {
  const engine = await fakeEngine([
    { status: 'Pulling from agentor/tools', id: '2' },
    { status: 'Downloading', id: 'layer-a', progressDetail: { current: 1_048_576, total: 2_097_152 } },
    { status: 'Downloading', id: 'layer-b', progressDetail: { current: 0, total: 1_048_576 } },
    { status: 'Pull complete', id: 'layer-a' },
    { status: 'Pull complete', id: 'layer-b' },
    { status: 'Status: Downloaded newer image for agentor/tools:2' },
  ])
  try {
    const progress: PullProgress[] = []
    assert.equal(await ensureImage(engine.docker, 'agentor/tools:2', (update) => progress.push(update)), 'pulled')
    assert.deepEqual(engine.pulled, ['agentor/tools:2'])
    assert.ok(progress.length >= 2)
    assert.deepEqual(progress.at(-1), { image: 'agentor/tools:2', layers: 2, layersDone: 2, downloadedBytes: 1_048_576, totalBytes: 3_145_728 })
  } finally {
    await engine.close()
  }
})

test('a pull the registry refuses is E_SANDBOX_IMAGE_MISSING, naming the image, the reason and how to build or load it', async () => {
  const engine = await fakeEngine([{ error: 'pull access denied for agentor/tools, repository does not exist' }])
  try {
    await assert.rejects(ensureImage(engine.docker, 'agentor/tools:2', () => undefined), (error: Error & { code?: string; hint?: string }) => {
      assert.equal(error.code, 'E_SANDBOX_IMAGE_MISSING')
      assert.equal(error.message, 'image agentor/tools:2 is not present locally and could not be pulled: pull access denied for agentor/tools, repository does not exist')
      assert.match(error.hint!, /bash scripts\/build-sandbox-image.sh agentor\/tools:2/)
      assert.match(error.hint!, /docker load -i/)
      return true
    })
  } finally {
    await engine.close()
  }
})
