import { setTimeout as delay } from 'node:timers/promises'
import type { CacheEntry } from '../tiers/entry.js'
import type { CacheEvent } from '../events.js'
import type { LockOutcome, SharedTier } from '../tiers/shared.js'

const POLL_MS = 20

/**
 * Takes the fleet lock for a user (SET NX PX), waiting while another instance holds it. A waiter
 * that sees the holder's L2 write returns it (`acceptFill`); past the lock's TTL the holder is
 * presumed dead and the waiter goes ahead without the lock.
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
export interface FleetLockOptions {
  ttlMs: number
  /** Whether a fill by another holder answers this lookup: false for writers, who must query themselves. */
  acceptFill: boolean
  emit: (event: CacheEvent) => void
}

/** `taken-over`: the holder outlived the lock's TTL and is presumed dead; go ahead without the lock. */
export async function acquireFleetLock(
  l2: SharedTier,
  userId: string,
  options: FleetLockOptions,
): Promise<LockOutcome | 'taken-over' | { filled: CacheEntry }> {
  // A second look at L2, already judged (and counted) by this lookup: has the holder filled it?
  const fill = async (): Promise<{ filled: CacheEntry } | undefined> => {
    if (!options.acceptFill) return undefined
    const { fresh } = await l2.read(userId, Date.now(), { recount: false })
    if (!fresh) return undefined
    options.emit({ type: 'lock', outcome: 'waited-for-fill' })
    return { filled: fresh }
  }
  const deadline = Date.now() + options.ttlMs
  let lock = await l2.tryLock(userId, options.ttlMs)
  while (lock === 'held') {
    await delay(POLL_MS)
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
