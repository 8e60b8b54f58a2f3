import type { CacheEvent, Tier } from '../events.js'
import { VERDICTS, type Verdict } from '../user-state.js'

const TIERS = ['l1', 'l2', 'source', 'stale', 'none'] as const satisfies readonly Tier[]
const zeros = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>

/**
 * Exact per-process counters, folded from the event stream. Each validation is counted once,
 * under the tier that answered it, so hit rate = (l1 + l2) / total cannot flatter itself.
 */
export class Counters {
  /** `timedCount`/`timedDurationMs` cover the validations that went past L1 (see CacheEvent). */
  validations = { total: 0, byTier: zeros(TIERS), byVerdict: zeros(VERDICTS), timedCount: 0, timedDurationMs: 0 }
  source = { queries: 0, found: 0, notFound: 0, errors: 0, timeouts: 0, breakerOpened: 0 }
  store = { commands: 0, errors: 0, timeouts: 0, shortCircuited: 0, breakerOpened: 0 }
  /** Subscription drops: the change log tells the instance what it missed meanwhile. */
  subscription = { interruptions: 0 }
  lock = { acquired: 0, waitedForFill: 0, tookOver: 0, lost: 0 }
  tampered = { badSignature: 0, corrupt: 0 }
  revocations = { revoke: 0, restore: 0, refresh: 0, pending: 0 }
  broadcasts = { received: 0, rejected: 0 }
  /** The user store's own notifications (the auth.users trigger), and its listening connection's troubles. */
  userStore = { notifications: 0, rejected: 0, interruptions: 0, deaf: 0 }
  /**
   * The change log: reads, users dropped from L1 by them, overflows, deaf subscriptions found, older
   * states refused, deaf periods (reads failing, from the first failure to the next success) with
   * their length, and logs replaced because they could take no more appends (an attack).
   */
  fleetLog = {
    reads: 0,
    dropped: 0,
    overflows: 0,
    deafSubscriptions: 0,
    olderRefused: 0,
    deafPeriods: 0,
    deafMs: 0,
    replaced: 0,
  }

  /** What record() does for an L1 hit's validation event, on the hot path's own terms. */
  recordL1Hit(verdict: Verdict): void {
    this.validations.total++
    this.validations.byTier.l1++
    this.validations.byVerdict[verdict]++
  }

  record(event: CacheEvent): void {
    switch (event.type) {
      case 'validation':
        this.validations.total++
        this.validations.byTier[event.tier]++
        this.validations.byVerdict[event.verdict]++
        if (event.durationMs !== undefined) {
          this.validations.timedCount++
          this.validations.timedDurationMs += event.durationMs
        }
        return
      case 'source-query': {
        this.source.queries++
        const key = ({ found: 'found', 'not-found': 'notFound', error: 'errors', timeout: 'timeouts' } as const)[
          event.outcome
        ]
        this.source[key]++
        return
      }
      case 'store-command':
        this.store.commands++
        return
      case 'store-error':
        if (event.reason === 'circuit-open') this.store.shortCircuited++
        else if (event.reason === 'timeout') this.store.timeouts++
        else this.store.errors++
        return
      case 'breaker':
        if (event.state === 'open') (event.target === 'store' ? this.store : this.source).breakerOpened++
        return
      case 'subscription':
        if (!event.listening) this.subscription.interruptions++
        return
      case 'lock':
        this.lock[
          (
            { acquired: 'acquired', 'waited-for-fill': 'waitedForFill', 'took-over': 'tookOver', lost: 'lost' } as const
          )[event.outcome]
        ]++
        return
      case 'tampered':
        this.tampered[event.reason === 'corrupt' ? 'corrupt' : 'badSignature']++
        return
      case 'revocation':
        this.revocations[event.action]++
        if (event.cache === 'pending') this.revocations.pending++
        return
      case 'broadcast-received':
        this.broadcasts[event.valid ? 'received' : 'rejected']++
        return
      case 'older-state':
        this.fleetLog.olderRefused++
        return
      case 'log-read':
        this.fleetLog.reads++
        this.fleetLog.dropped += event.dropped
        if (event.overflow) this.fleetLog.overflows++
        return
      case 'deaf-subscription':
        this.fleetLog.deafSubscriptions++
        return
      case 'log-replaced':
        this.fleetLog.replaced++
        return
      case 'user-store-notification':
        this.userStore[event.valid ? 'notifications' : 'rejected']++
        return
      case 'user-store-listener':
        if (event.state === 'lost') this.userStore.interruptions++
        if (event.state === 'deaf') this.userStore.deaf++
        return
      case 'deaf-period':
        this.fleetLog.deafPeriods++
        this.fleetLog.deafMs += Math.round(event.durationMs)
        return
    }
  }

  /** A deep copy: callers may keep or serialize it while counting goes on. */
  snapshot() {
    return structuredClone({
      validations: this.validations,
      source: this.source,
      store: this.store,
      subscription: this.subscription,
      lock: this.lock,
      tampered: this.tampered,
      revocations: this.revocations,
      broadcasts: this.broadcasts,
      userStore: this.userStore,
      fleetLog: this.fleetLog,
    })
  }
}

export type CountersSnapshot = ReturnType<Counters['snapshot']>
