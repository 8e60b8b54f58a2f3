import { LRUCache } from 'lru-cache'

/**
 * The newest state this process has seen of each user, by `checkedAt` — from its own reads, from
 * broadcasts and from the change log. Anything older that turns up later is refused: an entry
 * someone saved and wrote back into Redis after a ban (its signature is still valid), a lookup
 * that started before a change and finished after it, a replica lagging behind a broadcast.
 *
 * Kept for `keepMs` — as long as an older state could still be served (TTL + grace) — and for at
 * most `max` users; a user evicted here before that is the documented bound of the guarantee.
 */
export class StateOrder {
  readonly #newest: LRUCache<string, number>

  constructor(options: { max: number; keepMs: number }) {
    this.#newest = new LRUCache({ max: options.max, ttl: options.keepMs })
  }

  /** Records `order` for the user; true if it is newer than anything seen before. */
  saw(userId: string, order: number): boolean {
    const known = this.#newest.get(userId)
    if (known !== undefined && known >= order) return false
    this.#newest.set(userId, order)
    return true
  }

  /** Whether a state read at `checkedAt` is older than one this process has seen. */
  isOlder(userId: string, checkedAt: number): boolean {
    const known = this.#newest.get(userId)
    return known !== undefined && checkedAt < known
  }
}
