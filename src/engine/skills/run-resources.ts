/** Something a skill opens for a run (a container, a browser session) and that must be closed when the run ends. */
export interface RunResource<T> {
  value: T
  close(): Promise<void>
}

/**
 * The resources a run's skills share: opened on first use, at most once per key even when tool calls
 * run concurrently, and all closed (newest first) when the run ends, whether it completed, failed or
 * was interrupted.
 */
export class RunResources {
  private readonly opened = new Map<string, Promise<RunResource<unknown>>>()
  private closed = false

  constructor(private readonly onCloseError: (key: string, error: unknown) => void = () => undefined) {}

  /** The resource under `key`, opened by `open` the first time. A failed open is not cached: the next call tries again. */
  async acquire<T>(key: string, open: () => Promise<RunResource<T>>): Promise<T> {
    if (this.closed) throw new Error(`the run has ended; ${key} cannot be opened`)
    let pending = this.opened.get(key) as Promise<RunResource<T>> | undefined
    if (!pending) {
      pending = open()
      this.opened.set(key, pending)
      pending.catch(() => { if (this.opened.get(key) === pending) this.opened.delete(key) })
    }
    return (await pending).value
  }

  /** Closes everything opened so far; later `acquire` calls fail. Errors go to `onCloseError`, never thrown. */
  async closeAll(): Promise<void> {
    this.closed = true
    const entries = [...this.opened.entries()].reverse()
    this.opened.clear()
    for (const [key, pending] of entries) {
      let resource: RunResource<unknown>
      try {
        resource = await pending
      } catch {
        continue
      }
      try {
        await resource.close()
      } catch (error) {
        this.onCloseError(key, error)
      }
    }
  }
}
