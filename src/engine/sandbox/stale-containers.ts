import { hostname } from 'node:os'
import type Docker from 'dockerode'
import { isProcessAlive } from '../process-alive.js'
import { LABELS } from './container-spec.js'

/**
 * Removes containers agentor started on this host whose owning process is gone (killed, crashed):
 * the cleanup a dead process could not do itself. Containers of live processes and of other hosts
 * sharing the engine are left alone. Returns the names of the removed containers.
 */
export async function removeStaleContainers(docker: Docker): Promise<string[]> {
  const containers = await docker.listContainers({ all: true, filters: { label: [`${LABELS.managed}=true`] } })
  const suffix = `@${hostname()}`
  const stale = containers.filter((container) => {
    const owner = container.Labels[LABELS.owner] ?? ''
    if (!owner.endsWith(suffix)) return false
    const pid = Number(owner.slice(0, -suffix.length))
    return Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid)
  })
  const removed: string[] = []
  for (const container of stale) {
    try {
      await docker.getContainer(container.Id).remove({ force: true })
      removed.push(container.Names[0]?.replace(/^\//, '') ?? container.Id.slice(0, 12))
    } catch {
      // Another agentor process swept it first.
    }
  }
  return removed
}
