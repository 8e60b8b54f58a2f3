import { LRUCache } from 'lru-cache'
import type { CacheEntry } from './entry.js'

/**
 * One object per cached user, the entry and its local clock together: a wrapper around a shared
 * entry would cost another object header and pointer per user (docs/BENCHMARKS.md, L1 memory).
 */
export interface Local extends CacheEntry {
  /** performance.now() at store time: age is measured on the monotonic clock. */
  storedAt: number
  /** How long the entry had left when stored; a wall-clock jump must not stretch it. */
  ttlLeft: number
  /** The engine's answer for this entry, settled, when it is the same for every session and time (cache.ts). */
  answer: Promise<object> | undefined
}

/**
 * L1: this process's bounded LRU. Entries stay past freshness until the grace window closes, so
 * a user-source outage can still be answered with the last known state.
 */
export class LocalTier {
  readonly #lru: LRUCache<string, Local>
  constructor(private readonly options: { maxSize: number; graceMs: number; refreshAheadMs?: number }) {
    // No lru-cache TTL: it would keep a second start time and TTL per slot. Entries past grace
    // are refused by known() and fall out by LRU order.
    this.#lru = new LRUCache({ max: options.maxSize })
  }

  /**
   * A fresh entry, or undefined. This process trusts its own copy for `shortMs` (about a second)
   * on its own, and up to `longMs` (the L1 TTL) while `proven(now)` says it has heard every change
   * of the fleet — asked only for entries past the short window. The hot path.
   */
  fresh(
    userId: string,
    shortMs: number,
    longMs = shortMs,
    proven: (mono: number) => boolean = () => false,
  ): Local | undefined {
    const local = this.#lru.get(userId)
    if (local === undefined) return undefined
    const now = performance.now() // the hit's one monotonic clock read, handed to proven() too
    const age = now - local.storedAt // NTP stepping the wall clock back cannot extend trust
    return age < local.ttlLeft && (age < shortMs || (age < longMs && proven(now))) ? local : undefined
  }

  /** Any entry still within grace, fresh or not. */
  known(userId: string): CacheEntry | undefined {
    const local = this.#lru.peek(userId)
    if (local === undefined) return undefined
    if (performance.now() - local.storedAt < local.ttlLeft + this.options.graceMs) return local
    this.#lru.delete(userId)
    return undefined
  }

  /**
   * `knownAt` (the user store's time) is when the state was last known to hold: now for a read
   * this process just made, the source read's time for another's fill that came over the
   * broadcast, which may have been on the way for seconds (a stalled stream, a republished
   * recording). The short window counts from then, so a late fill is trusted only while proven.
   */
  set(userId: string, entry: CacheEntry, now: number, knownAt = now): void {
    // Up to refreshAheadMs early, at random: the fleet's first copy to end refreshes L2 ahead of time
    // (fleet/shared-lookup.ts), and the others take its fill broadcast instead of a GET.
    const ahead = this.options.refreshAheadMs ?? 0
    const remaining = entry.freshUntil - now
    const ttlLeft = remaining > ahead ? remaining - ahead * Math.random() : remaining
    if (ttlLeft + this.options.graceMs <= 0) return
    const { state, checkedAt, freshUntil } = entry
    const late = Math.max(0, now - knownAt) // dated back, its TTL lengthened as much: it ends when it did
    const storedAt = performance.now() - late
    this.#lru.set(userId, { state, checkedAt, freshUntil, storedAt, ttlLeft: ttlLeft + late, answer: undefined })
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
