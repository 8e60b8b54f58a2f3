import { LRUCache } from 'lru-cache'

/**
 * The newest state this process has seen of each user, by `checkedAt` — from its own reads, from
 * broadcasts and from the change log. Anything older that turns up later is refused: an entry
 * someone saved and wrote back into Redis after a ban (its signature is still valid), a lookup
 * that started before a change and finished after it, a replica lagging behind a broadcast.
 *
 * Kept for `keepMs` — as long as an older state could still be served (TTL + grace) — and for at
 * most `max` users. A user pushed out before that (many changes, or someone republishing recorded
 * broadcasts about many users) leaves the eviction floor behind: a user not known here is judged
 * by the newest order ever pushed out, so forgetting them costs a source query, never admission.
 */
export class StateOrder {
  readonly keepMs: number
  readonly #newest: LRUCache<string, number>
  /**
   * The newest order evicted by capacity: any user not known here may have had it. Never lowered;
   * it needs no expiry, as a state older than keepMs can no longer be served anyway.
   */
  #floor = Number.NEGATIVE_INFINITY

  constructor(options: { max: number; keepMs: number }) {
    this.keepMs = options.keepMs
    this.#newest = new LRUCache({
      max: options.max,
      ttl: options.keepMs,
      // Only 'evict' (capacity): an order aged out past keepMs ('expire') supersedes nothing still served.
      disposeAfter: (order, _userId, reason) => {
        if (reason === 'evict' && order > this.#floor) this.#floor = order
      },
    })
  }

  /** Records `order` for the user; true if it is newer than anything seen before (the floor included). */
  saw(userId: string, order: number): boolean {
    // An order below the floor about a user pushed out (an old broadcast, republished) must not
    // stand in for the newer one the floor may be hiding.
    if (order <= (this.#newest.get(userId) ?? this.#floor)) return false
    this.#newest.set(userId, order)
    return true
  }

  /** Whether a state read at `checkedAt` is older than one this process has (or may have) seen. */
  isOlder(userId: string, checkedAt: number): boolean {
    return checkedAt < (this.#newest.get(userId) ?? this.#floor)
  }
}
