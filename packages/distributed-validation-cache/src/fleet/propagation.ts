import type { CacheEvent } from '../events.js'
import type { PropagationResult } from '../result.js'
import type { SourceAnswer } from '../sources/source-query.js'
import type { CacheEntry } from '../tiers/entry.js'
import type { LocalTier } from '../tiers/local.js'
import type { SharedTier } from '../tiers/shared.js'
import type { UserState } from '../user-state.js'
import type { FleetChannel } from './channel.js'
import { withFleetLock } from './lock.js'
import type { PendingInvalidations } from './pending-invalidations.js'
import type { StateOrder } from './state-order.js'

export type Change = 'revoke' | 'restore' | 'refresh'

export interface PropagationParts {
  l1: LocalTier
  l2: SharedTier
  channel: FleetChannel
  order: StateOrder
  pending: PendingInvalidations
  lockTtlMs: number
  emit: (event: CacheEvent) => void
  /** One guarded query of the user source. */
  query: (userId: string) => Promise<SourceAnswer>
  /** Every query sent from now on is stamped later than `time` (source-query.ts readStamps). */
  stampAfter: (time: number) => void
  entryFor: (state: UserState, readAt: number) => CacheEntry
  /** Drops the user from L1 and marks lookups in flight as predating the change. */
  invalidateLocally: (userId: string) => void
  /** The user store's time. */
  now: () => number
}

/**
 * A change to a user, told to the fleet: the user source (already written by the caller), then
 * L2 under the fleet lock so no older read lands after ours, then the change log and a broadcast.
 * A step that fails leaves the user pending: the retry drops L2 and tells the fleet again.
 */
export class Propagation {
  constructor(private readonly p: PropagationParts) {}

  async run(userId: string, change: Change): Promise<PropagationResult> {
    const p = this.p
    p.invalidateLocally(userId)
    // The lock below may be held by a stuck instance for seconds. The re-read under it is stamped
    // after the forewarning's order: the fleet, which refuses what predates that, takes it.
    p.stampAfter(await p.channel.forewarn(userId))
    const { entry, stored } = await withFleetLock(p.l2, userId, { ttlMs: p.lockTtlMs, emit: p.emit }, async (lock) => {
      const answer = await p.query(userId)
      const entry = answer.ok ? p.entryFor(answer.state, answer.readAt) : undefined
      if (entry) p.order.saw(userId, entry.checkedAt) // from now on, nothing older of this user
      // No fresh state: drop L2 so the next validation anywhere asks the source itself. A slot whose
      // lock timed out is not written now (another timeout before the broadcast): the retry drops it.
      if (lock === 'store-unavailable') return { entry, stored: false }
      return { entry, stored: entry ? await p.l2.write(userId, entry, p.now()) : await p.l2.remove(userId) }
    })
    // Again: a lookup here may have read L2 between our first mark and our write.
    p.invalidateLocally(userId)
    if (entry) p.l1.set(userId, entry, p.now())
    const broadcast = await p.channel.announce(userId, entry?.checkedAt ?? p.now())
    if (!stored || !broadcast) p.pending.add(userId)
    const cache = stored && broadcast ? 'updated' : 'pending'
    p.emit({ type: 'revocation', action: change, cache })
    return { cache, broadcast: broadcast ? 'sent' : 'failed' }
  }

  /** A pending user: drop their L2 entry (the next read asks the source) and tell the fleet. */
  async retry(userId: string): Promise<boolean> {
    return (await this.p.l2.remove(userId)) && (await this.p.channel.announce(userId, this.p.now()))
  }
}
