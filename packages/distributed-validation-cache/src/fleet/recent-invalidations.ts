import { LRUCache } from 'lru-cache'

/**
 * When each user — or everyone — was last invalidated on this instance. A lookup that started
 * before that read a state that may predate the change: it must not put it in L1 or L2. On the
 * monotonic clock: only this process compares these times, and no clock step or new reading of
 * the store's clock may reorder a lookup and an invalidation.
 */
export class RecentInvalidations {
  readonly #at: LRUCache<string, number>
  #allAt = Number.NEGATIVE_INFINITY

  /** `keepMs`: long enough to cover any lookup that could have started before an invalidation. */
  constructor(max: number, keepMs: number) {
    this.#at = new LRUCache({ max, ttl: keepMs })
  }

  mark(userId: string, now = performance.now()): void {
    this.#at.set(userId, now)
  }

  markAll(now = performance.now()): void {
    this.#allAt = now
  }

  /** Whether the user was invalidated at or after `since`. */
  since(userId: string, since: number): boolean {
    const at = this.#at.get(userId)
    return (at !== undefined && at >= since) || this.#allAt >= since
  }
}
