import { decodeEntry, encodeEntry, type CacheEntry } from './entry.js'
import type { CacheEvent } from '../events.js'
import type { GuardedStore } from '../stores/guarded-store.js'
import { entryKey, lockKey, notifiedKey } from './keys.js'
import type { StateOrder } from '../fleet/state-order.js'

export interface SharedRead {
  fresh?: CacheEntry
  /** Past freshness but within grace: served only if the user source fails. */
  stale?: CacheEntry
  /** The store did not answer: the user's lock and entry, in the same slot, would not either. */
  unavailable?: true
}

export type LockOutcome = 'acquired' | 'held' | 'store-unavailable'

/** A stored value, unjudged, and what became of the lock in the same round trip. */
export interface RawRead {
  raw: string | null
  lock: 'acquired' | 'held' | 'skipped'
}

const CLOCK_TOLERANCE_MS = 5_000

/**
 * L2: the fleet's shared view, signed so that whoever can write to Redis cannot grant access, and
 * ordered so that they cannot bring back a state older than one this process has seen either.
 * Nothing here throws: a store failure is a miss (and the guarded store has counted it).
 */
export class SharedTier {
  constructor(
    private readonly store: GuardedStore,
    private readonly options: {
      prefix: string
      secret: string
      graceMs: number
      order: StateOrder
      emit: (event: CacheEvent) => void
      /** The user store's time, which entries are stamped and judged on. */
      now?: () => number
      /** From when this instance knows every logged change (FleetSync.coveredSince): older states are refused. */
      coveredSince?: () => number
      /** How long before an entry goes stale a reader takes the lock to refresh it (refresh-ahead). */
      refreshAheadMs?: number
    },
  ) {}

  /** The time entries are judged on: the user store's. */
  now(): number {
    return (this.options.now ?? Date.now)()
  }

  /** `recount: false` for a second look at a value this lookup has already judged (and counted). */
  async read(userId: string, now: number, { recount = true } = {}): Promise<SharedRead> {
    let raw: string | null
    try {
      raw = await this.store.get(entryKey(this.options.prefix, userId))
    } catch {
      return { unavailable: true }
    }
    return this.judge(userId, raw, now, { recount })
  }

  /**
   * A miss's one round trip: the entry as stored (not judged yet: a new instance judges it only
   * once it has read the change log) and the lock, taken when the entry is absent or about to go
   * stale (refresh-ahead), `skipped` when it lives longer.
   */
  async readOrLock(userId: string, token: string, lockTtlMs: number): Promise<RawRead | { unavailable: true }> {
    try {
      const { value, lock } = await this.store.readOrLock(this.#keys(userId), {
        token,
        lockTtlMs,
        lockBelowTtlMs: this.options.graceMs + (this.options.refreshAheadMs ?? 0),
      })
      return { raw: value, lock }
    } catch {
      return { unavailable: true }
    }
  }

  /**
   * Writes the entry, releases the lock and announces the fill, in one round trip — only while the
   * lock is still ours (else nothing is written: counted `lock.lost`). `writable` is asked once the
   * entry is signed: a ban heard meanwhile must not be overwritten (the lock is then only released).
   * False when the entry was not stored.
   */
  async fill(
    userId: string,
    entry: CacheEntry,
    now: number,
    options: {
      token: string
      writable: () => boolean
      announce?: (value: string) => { channel: string; message: string }
    },
  ): Promise<boolean> {
    const ttlMs = entry.freshUntil + this.options.graceMs - now
    const value = await encodeEntry(this.options.secret, userId, entry)
    if (ttlMs <= 0 || !options.writable()) return this.unlock(userId).then(() => ttlMs <= 0)
    return this.store
      .fill(this.#keys(userId), value, { ttlMs, token: options.token, publish: options.announce?.(value) })
      .then(
        (wrote) => {
          if (!wrote) this.options.emit({ type: 'lock', outcome: 'lost' })
          return wrote
        },
        () => false,
      )
  }

  /** Whether a stored value is an entry this process may serve, and how (fresh, stale within grace). */
  async judge(userId: string, raw: string | null, now: number, { recount = true } = {}): Promise<SharedRead> {
    if (raw === null) return {}
    const decoded = await decodeEntry(this.options.secret, userId, raw)
    if (!decoded.ok) {
      // An entry of an older version (a rolling deploy) is a plain miss; anything else is tampering.
      if (recount && decoded.reason !== 'outdated') this.options.emit({ type: 'tampered', reason: decoded.reason })
      return {}
    }
    const { entry } = decoded
    // Older than a state of this user already seen here: saved and written back, or written late.
    if (this.options.order.isOlder(userId, entry.checkedAt)) {
      if (recount) this.options.emit({ type: 'older-state', from: 'l2' })
      return {}
    }
    // Read before this instance's knowledge of the fleet's changes begins (it skipped part of the
    // change log): a change it never saw may supersede it. A source query, never admission.
    if (entry.checkedAt < (this.options.coveredSince?.() ?? Number.NEGATIVE_INFINITY)) {
      if (recount) this.options.emit({ type: 'older-state', from: 'l2' })
      return {}
    }
    // Read from "the future": this clock was stepped back (or runs far behind the writer's).
    // Its freshness cannot be judged, so it is not trusted as fresh; skew is what doctor reports.
    if (entry.checkedAt > now + CLOCK_TOLERANCE_MS) return { stale: entry }
    if (now < entry.freshUntil) return { fresh: entry }
    return now < entry.freshUntil + this.options.graceMs ? { stale: entry } : {}
  }

  /**
   * Kept until the grace window closes, so the whole fleet can serve it stale during an outage.
   * `writable` is asked again once the entry is signed, right before the SET: signing waits on
   * Web Crypto (Node's thread pool), and a ban heard meanwhile must not be overwritten.
   */
  async write(userId: string, entry: CacheEntry, now: number, writable = () => true): Promise<boolean> {
    const ttlMs = entry.freshUntil + this.options.graceMs - now
    if (ttlMs <= 0) return true
    const value = await encodeEntry(this.options.secret, userId, entry)
    if (!writable()) return false
    return this.store.set(entryKey(this.options.prefix, userId), value, { ttlMs }).then(
      () => true,
      () => false,
    )
  }

  /** Whether this instance is the first to claim the user's notification (within `ttlMs`). */
  async claimNotification(userId: string, ttlMs: number): Promise<boolean> {
    return this.store
      .set(notifiedKey(this.options.prefix, userId), '1', { ttlMs, onlyIfAbsent: true })
      .catch(() => false)
  }

  async remove(userId: string): Promise<boolean> {
    return this.store.delete(entryKey(this.options.prefix, userId)).then(
      () => true,
      () => false,
    )
  }

  #keys(userId: string) {
    return { entry: entryKey(this.options.prefix, userId), lock: lockKey(this.options.prefix, userId) }
  }

  /** SET NX PX: at most one instance of the fleet asks the user source for this user at a time. */
  async tryLock(userId: string, ttlMs: number, token = '1'): Promise<LockOutcome> {
    try {
      return (await this.store.set(lockKey(this.options.prefix, userId), token, { ttlMs, onlyIfAbsent: true }))
        ? 'acquired'
        : 'held'
    } catch {
      return 'store-unavailable'
    }
  }

  // A lock outlives the source timeout, so the holder always releases its own lock.
  async unlock(userId: string): Promise<void> {
    await this.store.delete(lockKey(this.options.prefix, userId)).catch(() => undefined)
  }
}
