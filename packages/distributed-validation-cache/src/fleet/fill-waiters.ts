/**
 * Lookups of this process waiting for another instance's fill of a user (its lock is held). A
 * fill broadcast wakes them at once: the broadcast is the fast path, and a waiter still looks at
 * L2 itself now and then (shared-lookup.ts), since a broadcast may be lost. At most one waiter
 * per user per process: single-flight shares the lookup.
 */
/** Users whose last fill or change time is kept: far more than lookups a process has in flight. */
const REMEMBERED = 1_000

export class FillWaiters {
  readonly #waiting = new Map<string, Set<(entry: string | undefined) => void>>()
  /** When each user's last fill or change was heard (performance.now()), for a waiter that comes late. */
  readonly #lastHeard = new Map<string, { at: number; entry?: string }>()

  /**
   * The next fill heard for the user (the entry as stored), or undefined after `ms` or when a
   * change woke it (look at L2 now either way). One heard since `after` — while the waiter's last
   * look at L2 was on its way — answers at once: it must not wait a whole poll for it.
   */
  next(userId: string, ms: number, after = performance.now()): Promise<string | undefined> {
    const heard = this.#lastHeard.get(userId)
    if (heard && heard.at >= after) return Promise.resolve(heard.entry)
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

  /**
   * A fill was heard (`entry`), or a change was announced (none: the waiters look at L2 at once —
   * a writer's lock is released before its announcement): wakes the user's waiters; false when
   * nobody here waits for it.
   */
  deliver(userId: string, entry?: string): boolean {
    this.#lastHeard.delete(userId) // re-inserted last: the map's order is the order heard
    this.#lastHeard.set(userId, { at: performance.now(), ...(entry === undefined ? {} : { entry }) })
    if (this.#lastHeard.size > REMEMBERED) this.#lastHeard.delete(this.#lastHeard.keys().next().value!)
    const waiters = this.#waiting.get(userId)
    if (!waiters) return false
    for (const wake of [...waiters]) wake(entry)
    return true
  }
}
