/**
 * Lookups of this process waiting for another instance's fill of a user (its lock is held). A
 * fill broadcast wakes them at once: the broadcast is the fast path, and a waiter still looks at
 * L2 itself now and then (lock.ts), since a broadcast may be lost. At most one waiter per user
 * per process: single-flight shares the lookup.
 */
export class FillWaiters {
  readonly #waiting = new Map<string, Set<(entry: string) => void>>()

  /** The next fill heard for the user (the entry as stored), or undefined after `ms`. */
  next(userId: string, ms: number): Promise<string | undefined> {
    return new Promise((resolve) => {
      const waiters = this.#waiting.get(userId) ?? new Set()
      this.#waiting.set(userId, waiters)
      const done = (entry: string | undefined) => {
        clearTimeout(timer)
        waiters.delete(done)
        if (waiters.size === 0 && this.#waiting.get(userId) === waiters) this.#waiting.delete(userId)
        resolve(entry)
      }
      const timer = setTimeout(done, ms, undefined)
      waiters.add(done)
    })
  }

  /** A fill was heard: wakes the user's waiters; false when nobody here waits for it. */
  deliver(userId: string, entry: string): boolean {
    const waiters = this.#waiting.get(userId)
    if (!waiters) return false
    for (const wake of [...waiters]) wake(entry)
    return true
  }
}
