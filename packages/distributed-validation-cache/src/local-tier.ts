import { LRUCache } from 'lru-cache'
import type { CacheEntry } from './cache-entry.js'

interface Local {
  entry: CacheEntry
  /** performance.now() at store time: age is measured on the monotonic clock. */
  storedAt: number
  /** How long the entry had left when stored; a wall-clock jump must not stretch it. */
  ttlLeft: number
}

/**
 * L1: this process's bounded LRU. Entries stay past freshness until the grace window closes, so
 * a user-store outage can still be answered with the last known state.
 */
export class LocalTier {
  readonly #lru: LRUCache<string, Local>
  constructor(private readonly options: { maxSize: number; graceMs: number }) {
    this.#lru = new LRUCache({ max: options.maxSize })
  }

  /**
   * A fresh entry, or undefined. `maxAgeMs` caps how long this process trusts its own copy:
   * the L1 TTL while broadcasts reach it, about a second while they cannot. The hot path.
   */
  fresh(userId: string, maxAgeMs: number): CacheEntry | undefined {
    const local = this.#lru.get(userId)
    if (local === undefined) return undefined
    const age = performance.now() - local.storedAt // NTP stepping the wall clock back cannot extend trust
    return age < local.ttlLeft && age < maxAgeMs ? local.entry : undefined
  }

  /** Any entry still within grace, fresh or not. */
  known(userId: string): CacheEntry | undefined {
    return this.#lru.get(userId)?.entry
  }

  set(userId: string, entry: CacheEntry, now: number): void {
    const keepMs = entry.freshUntil + this.options.graceMs - now
    if (keepMs <= 0) return
    this.#lru.set(userId, { entry, storedAt: performance.now(), ttlLeft: entry.freshUntil - now }, { ttl: Math.ceil(keepMs) })
  }

  delete(userId: string): void {
    this.#lru.delete(userId)
  }

  clear(): void {
    this.#lru.clear()
  }

  get size(): number {
    return this.#lru.size
  }

  get maxSize(): number {
    return this.options.maxSize
  }
}
