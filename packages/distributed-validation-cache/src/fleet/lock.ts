import type { CacheEvent } from '../events.js'
import type { SharedTier } from '../tiers/shared.js'

const POLL_MS = 20

/** How `work` runs: holding the lock, after a holder outlived it, or unlocked (the store is down). */
export type FleetLock = 'acquired' | 'taken-over' | 'store-unavailable'

export interface FleetLockOptions {
  ttlMs: number
  emit: (event: CacheEvent) => void
}

/**
 * A writer's turn under the user's fleet lock (SET NX PX), released when `work` settles: a change
 * (propagation.ts) asks the source itself and writes L2, so no reader's older state lands after it.
 * While another instance holds the lock the writer polls; past the lock's TTL the holder is
 * presumed dead and `work` runs without it. Readers do not come here: they wait for a holder's
 * fill instead (shared-lookup.ts).
 *
 * The lock is released with a plain DEL: its TTL outlasts everything a holder does (one bounded
 * source query, a few bounded store calls), so it is only deleted by its holder or after it expired.
 */
export async function withFleetLock<T>(
  l2: SharedTier,
  userId: string,
  options: FleetLockOptions,
  work: (lock: FleetLock) => Promise<T>,
): Promise<T> {
  const lock = await acquire(l2, userId, options)
  try {
    return await work(lock)
  } finally {
    if (lock === 'acquired') await l2.unlock(userId)
  }
}

async function acquire(l2: SharedTier, userId: string, options: FleetLockOptions): Promise<FleetLock> {
  const deadline = Date.now() + options.ttlMs
  let lock = await l2.tryLock(userId, options.ttlMs)
  while (lock === 'held') {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS))
    if (Date.now() > deadline) {
      options.emit({ type: 'lock', outcome: 'took-over' })
      return 'taken-over'
    }
    lock = await l2.tryLock(userId, options.ttlMs)
  }
  if (lock === 'acquired') options.emit({ type: 'lock', outcome: 'acquired' })
  return lock
}
