import { CircuitBreaker } from './circuit-breaker.js'
import type { CacheEvent } from './events.js'
import { FleetChannel } from './fleet/channel.js'
import { FillWaiters } from './fleet/fill-waiters.js'
import { PendingInvalidations } from './fleet/pending-invalidations.js'
import { Propagation } from './fleet/propagation.js'
import { RecentInvalidations } from './fleet/recent-invalidations.js'
import type { Resolved } from './fleet/shared-lookup.js'
import { StateOrder } from './fleet/state-order.js'
import { FleetSync } from './fleet/sync.js'
import { UserStoreChanges } from './fleet/user-store-changes.js'
import type { ResolvedOptions } from './options.js'
import { querySource, readStamps } from './sources/source-query.js'
import { GuardedStore } from './stores/guarded-store.js'
import { SingleFlight } from './single-flight.js'
import { entryFor } from './tiers/entry.js'
import { LocalTier } from './tiers/local.js'
import { userChangeChannel } from './tiers/keys.js'
import { SharedTier } from './tiers/shared.js'
import { assertUserId, canonicalUserId } from './user-id.js'

/** Long enough for every instance to hear one notification, short enough not to swallow the next change. */
const NOTIFICATION_CLAIM_MS = 250

export type Parts = ReturnType<typeof assemble>

/**
 * The engine's parts and who tells whom: the store's recovery flushes pending changes; a broadcast
 * or a change-log entry drops the user here; a deaf spell ended renews the log and retries.
 * `ValidationCache` runs the validation path over them (cache.ts).
 */
export function assemble(o: ResolvedOptions, emit: (event: CacheEvent) => void) {
  const l1 = new LocalTier({ maxSize: o.l1MaxSize, graceMs: o.graceMs, refreshAheadMs: o.refreshAheadMs })
  const flights = new SingleFlight<Resolved>()
  const invalidated = new RecentInvalidations(o.l1MaxSize, o.lockTtlMs * 2)
  const pending: PendingInvalidations = new PendingInvalidations((userId) => propagation.retry(userId))
  const store = new GuardedStore(o.store, { timeoutMs: o.storeTimeoutMs, emit, onRecover: () => void pending.flush() })
  // Kept as long as an older state could be served.
  const order = new StateOrder({ max: o.l1MaxSize, keepMs: o.ttlMs + o.graceMs })
  const l2 = new SharedTier(store, {
    prefix: o.prefix,
    secret: o.secret,
    graceMs: o.graceMs,
    refreshAheadMs: o.refreshAheadMs,
    order,
    emit,
    now: o.now,
    coveredSince: () => sync.coveredSince, // a state read before this instance's knowledge begins is refused
  })
  const waiters = new FillWaiters()
  const sourceBreaker = new CircuitBreaker({
    onStateChange: (state) => emit({ type: 'breaker', target: 'source', state }),
  })
  const stamps = readStamps(o.now)
  const query = (userId: string) => querySource(o.source, userId, o.sourceTimeoutMs, sourceBreaker, emit, stamps)
  const invalidateLocally = (userId: string) => {
    invalidated.mark(userId)
    l1.delete(userId)
    flights.forget(userId)
  }
  const channel = new FleetChannel(o.store, store, {
    prefix: o.prefix,
    secret: o.secret,
    emit,
    logKeepMs: o.ttlMs + o.graceMs,
    now: o.now,
    pingTimeoutMs: Math.max(o.storeTimeoutMs * 4, 1_000),
    onInvalidate: (message) => {
      sync.heard(message)
      // A writer (a change) released the lock it held and wrote L2: this process's waiters look now.
      if (message.logId !== '') waiters.deliver(message.userId)
    },
    onBeat: (beat, own) => sync.heardBeat(beat, own),
    // Another instance's fill: it wakes this process's waiter, or renews a copy L1 holds (no GET then).
    onFill: (userId, raw) => {
      const held = l1.known(userId)
      if (waiters.deliver(userId, raw) || !held || !sync.seeded) return
      void l2.judge(userId, raw, o.now()).then(({ fresh }) => {
        const now = o.now()
        if (fresh && fresh.checkedAt > held.checkedAt && l1.known(userId) === held)
          l1.set(userId, fresh, now, fresh.checkedAt)
      })
    },
    // Broadcasts were missed while deaf: the change log says which users to drop; the store is back: retry now.
    onResume: () => {
      store.breaker.probeNow()
      void sync.renew()
      void pending.flush()
    },
  })
  const sync: FleetSync = new FleetSync({
    // The in-process memory store has no fleet to miss: its broadcasts cannot be lost.
    channel: o.enabled && !(o.store.backend === 'memory' && o.subscribe) ? channel : null,
    proof: o.proof,
    order,
    emit,
    now: o.now,
    forget: invalidateLocally,
    forgetAll: () => {
      invalidated.markAll()
      l1.clear()
      flights.clear()
    },
  })
  // The user store's trigger: a change made anywhere (SQL, the Supabase dashboard), heard here
  // directly. Like a broadcast's forewarning: this user is forgotten, with every state read before now.
  const forgetChanged = (userId: string) => {
    order.saw(userId, o.now() + 1)
    invalidateLocally(userId)
  }
  const userStore = new UserStoreChanges(o.source, {
    channel: o.listen ? userChangeChannel(o.prefix) : '',
    heartbeatMs: o.listenHeartbeatMs,
    pingTimeoutMs: o.sourceTimeoutMs,
    catchUpMs: o.ttlMs + o.graceMs,
    now: o.now,
    emit,
    userIdOf: (raw) => {
      try {
        assertUserId(raw, o.requireUuid)
        return canonicalUserId(raw, o.requireUuid)
      } catch {
        return undefined // not an id: a payload someone else sent on the channel
      }
    },
    // Every instance that hears it forgets the user; one of them (the first to claim it) replaces
    // the shared copy and tells the fleet, for instances that did not hear it (not listening, deaf).
    onChange: (userId) => {
      forgetChanged(userId)
      void l2
        .claimNotification(userId, NOTIFICATION_CLAIM_MS)
        .then((first) => (first ? propagation.run(userId, 'refresh') : undefined))
        .catch(() => undefined) // a refresh that fails is left pending, and retried, by propagation
    },
    onMissed: forgetChanged,
  })
  const entryOf = (state: Parameters<typeof entryFor>[0], readAt: number) => entryFor(state, readAt, o)
  const propagation: Propagation = new Propagation({
    l1,
    l2,
    channel,
    order,
    pending,
    emit,
    query,
    stampAfter: stamps.after,
    invalidateLocally,
    now: o.now,
    lockTtlMs: o.lockTtlMs,
    entryFor: entryOf,
  })
  return {
    l1,
    l2,
    store,
    channel,
    sync,
    userStore,
    sourceBreaker,
    flights,
    waiters,
    invalidated,
    pending,
    propagation,
    query,
    entryOf,
  }
}
