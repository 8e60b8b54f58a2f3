import type { CacheEvent } from '../events.js'
import type { CacheEntry } from '../tiers/entry.js'
import type { SharedTier } from '../tiers/shared.js'

const POLL_MS = 20

/** How `work` runs: holding the lock, after taking over a dead holder's, or unlocked (the store is down). */
export type FleetLock = 'acquired' | 'taken-over' | 'store-unavailable'

export interface FleetLockOptions<T> {
  ttlMs: number
  emit: (event: CacheEvent) => void
  /**
   * Readers: a fill by another holder answers the lookup instead of `work`. Writers leave it out:
   * they must query the source themselves.
   */
  onFill?: (filled: CacheEntry) => T
  /** L2 has just timed out on this slot: the lock would time out too, so `work` runs unlocked at once. */
  storeUnavailable?: boolean
  /** Readers answer before the release lands (one round trip less); writers wait for it. Default false. */
  releaseInBackground?: boolean
}

/**
 * Runs `work` under the user's fleet lock (SET NX PX) and releases the lock when it settles: the
 * one place a lock is taken and the one place it is let go. A waiter polls while another instance
 * holds it; past the lock's TTL the holder is presumed dead and `work` runs without it.
 *
 * A lock taken by a reader is followed by one more L2 read: the previous holder may have filled
 * L2 and released the lock between this reader's miss and its SET NX (a descheduled process
 * makes that gap milliseconds wide), and asking the source again would break "one query per
 * user per TTL".
 *
 * The lock has no owner token: it is released with a plain DEL. That is safe because its TTL
 * outlasts everything a holder does (one bounded source query, one bounded write), so a lock is
 * only ever deleted by the holder that set it or after it expired.
 */
export async function withFleetLock<T>(
  l2: SharedTier,
  userId: string,
  options: FleetLockOptions<T>,
  work: (lock: FleetLock) => Promise<T>,
): Promise<T> {
  const lock = options.storeUnavailable ? 'store-unavailable' : await acquire(l2, userId, options)
  if (typeof lock === 'object') return options.onFill!(lock.filled)
  try {
    return await work(lock)
  } finally {
    if (lock === 'acquired') {
      const released = l2.unlock(userId)
      if (!options.releaseInBackground) await released
    }
  }
}

async function acquire<T>(
  l2: SharedTier,
  userId: string,
  options: FleetLockOptions<T>,
): Promise<FleetLock | { filled: CacheEntry }> {
  // A second look at L2, already judged (and counted) by this lookup: has the holder filled it?
  const fill = async (): Promise<{ filled: CacheEntry } | undefined> => {
    if (!options.onFill) return undefined
    const { fresh } = await l2.read(userId, l2.now(), { recount: false })
    if (!fresh) return undefined
    options.emit({ type: 'lock', outcome: 'waited-for-fill' })
    return { filled: fresh }
  }
  const deadline = Date.now() + options.ttlMs
  let lock = await l2.tryLock(userId, options.ttlMs)
  while (lock === 'held') {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    const filled = await fill()
    if (filled) return filled
    if (Date.now() > deadline) {
      options.emit({ type: 'lock', outcome: 'took-over' })
      return 'taken-over'
    }
    lock = await l2.tryLock(userId, options.ttlMs)
  }
  if (lock !== 'acquired') return lock
  const filled = await fill()
  if (filled) {
    await l2.unlock(userId)
    return filled
  }
  options.emit({ type: 'lock', outcome: 'acquired' })
  return lock
}
