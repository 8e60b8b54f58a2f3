import { LRUCache } from 'lru-cache'
import type { CacheEntry } from './tiers/entry.js'
import { CircuitBreaker } from './circuit-breaker.js'
import { Counters } from './observability/counters.js'
import { ValidationCacheError } from './errors.js'
import type { CacheEvent, Tier } from './events.js'
import type { PropagationResult, ValidationResult } from './result.js'
import { FleetChannel } from './fleet/channel.js'
import { FleetSync } from './fleet/sync.js'
import { withFleetLock } from './fleet/lock.js'
import { GuardedStore } from './stores/guarded-store.js'
import { HealthProbe, type Health } from './observability/health-probe.js'
import { LocalTier } from './tiers/local.js'
import { resolveOptions, type ResolvedOptions, type ValidationCacheOptions } from './options.js'
import { PendingInvalidations } from './fleet/pending-invalidations.js'
import { explain } from './reason.js'
import { SeenUsers } from './observability/seen-users.js'
import { SharedTier } from './tiers/shared.js'
import { SingleFlight } from './single-flight.js'
import { StateOrder } from './fleet/state-order.js'
import { persistRevocation } from './fleet/revocation-write.js'
import { querySource } from './sources/source-query.js'
import { assertUserId, canonicalUserId } from './user-id.js'
import { decide, isNegative, type UserState } from './user-state.js'

export type { PropagationResult, ValidationResult } from './result.js'

type Resolved = { entry: CacheEntry | undefined; tier: Tier }

export class ValidationCache {
  readonly counters = new Counters()
  readonly #o: ResolvedOptions
  readonly #l1: LocalTier
  readonly #l2: SharedTier
  readonly #store: GuardedStore
  readonly #channel: FleetChannel
  readonly #sync: FleetSync
  readonly #sourceBreaker: CircuitBreaker
  readonly #flights = new SingleFlight<Resolved>()
  readonly #invalidatedAt: LRUCache<string, number>
  readonly #pending: PendingInvalidations
  readonly #ready: Promise<void>
  readonly #health: HealthProbe
  readonly #seen = new SeenUsers()
  #invalidatedAllAt = Number.NEGATIVE_INFINITY

  constructor(options: ValidationCacheOptions) {
    const o = (this.#o = resolveOptions(options))
    const emit = this.#emit
    this.#l1 = new LocalTier({ maxSize: o.l1MaxSize, graceMs: o.graceMs })
    this.#pending = new PendingInvalidations((userId) => this.#retryPropagation(userId))
    this.#store = new GuardedStore(o.store, {
      timeoutMs: o.storeTimeoutMs,
      emit,
      onRecover: () => void this.#pending.flush(),
    })
    const order = new StateOrder({ max: o.l1MaxSize, keepMs: o.ttlMs + o.graceMs }) // as long as an older state could be served
    this.#l2 = new SharedTier(this.#store, { prefix: o.prefix, secret: o.secret, graceMs: o.graceMs, order, emit })
    this.#sourceBreaker = new CircuitBreaker({
      onStateChange: (state) => emit({ type: 'breaker', target: 'source', state }),
    })
    this.#channel = new FleetChannel(o.store, this.#store, {
      prefix: o.prefix,
      secret: o.secret,
      emit,
      logKeepMs: o.ttlMs + o.graceMs,
      pingTimeoutMs: Math.max(o.storeTimeoutMs * 4, 1_000),
      onInvalidate: (message) => this.#sync.heard(message),
      onResume: () => this.#resume(),
    })
    this.#sync = new FleetSync({
      // The in-process memory store has no fleet to miss: its broadcasts cannot be lost.
      channel: o.enabled && !(o.store.backend === 'memory' && o.subscribe) ? this.#channel : null,
      proof: o.proof,
      order,
      emit,
      forget: (userId) => this.#invalidateLocally(userId),
      forgetAll: () => this.#invalidateAll(),
    })
    // Long enough to cover any lookup that could have started before an invalidation.
    this.#invalidatedAt = new LRUCache({ max: o.l1MaxSize, ttl: o.lockTtlMs * 2 })
    this.#ready = o.enabled && o.subscribe ? this.#channel.listen() : Promise.resolve()
    this.#health = new HealthProbe(o)
  }

  /** Resolves once this instance listens for fleet broadcasts (or gave up waiting for the store). */
  ready(): Promise<void> {
    return this.#ready
  }

  /** Reads the fleet's change log now (validations do when they need it); true once proven current. */
  sync(): Promise<boolean> {
    return this.#sync.renew()
  }

  /**
   * Is this user still allowed in? `issuedAt` is the session's issue time in epoch ms (or a
   * Date); without it, any revocation of the user revokes the session. Rejects only with
   * InvalidUserIdError; every other failure is a verdict (`unavailable` at worst).
   */
  validate(userId: unknown, options: { issuedAt?: number | Date; record?: boolean } = {}): Promise<ValidationResult> {
    const issuedAt = options.issuedAt instanceof Date ? options.issuedAt.getTime() : options.issuedAt
    // record: false for looks that are not requests (an admin page listing users): they must
    // not inflate validations, hit rate or active users.
    const record = options.record !== false
    const now = Date.now()
    // Only checked, canonical ids ever enter L1, so a hit needs no second format check.
    const cached = typeof userId === 'string' ? this.#fresh(userId) : undefined
    if (cached) {
      if (record) this.#seen.add(userId as string)
      return Promise.resolve(this.#answer({ entry: cached, tier: 'l1' }, issuedAt, now, undefined, record))
    }
    try {
      assertUserId(userId, this.#o.requireUuid)
    } catch (error) {
      return Promise.reject(error)
    }
    const id = canonicalUserId(userId, this.#o.requireUuid)
    if (record) this.#seen.add(id)
    const canonicalHit = id !== userId ? this.#fresh(id) : undefined
    if (canonicalHit)
      return Promise.resolve(this.#answer({ entry: canonicalHit, tier: 'l1' }, issuedAt, now, undefined, record))
    const started = performance.now()
    const lookup = this.#o.enabled ? this.#flights.run(id, () => this.#resolve(id)) : this.#resolveUncached(id)
    return lookup.then((r) => this.#answer(r, issuedAt, Date.now(), performance.now() - started, record))
  }

  /** L1 missed: L2, then (one instance of the fleet) the source, then the last known state. */
  async #resolve(userId: string): Promise<Resolved> {
    // L1 holds the user but the proof is old (an idle spell, a thaw): one log read for all users.
    if (this.#o.enabled && this.#l1.fresh(userId, this.#o.l1TtlMs) && (await this.#sync.renew())) {
      const renewed = this.#fresh(userId)
      if (renewed) return { entry: renewed, tier: 'l1' }
    }
    // A new instance reads the log once before it believes L2 (it knows nothing yet to refuse a replay by).
    const believesL2 = this.#sync.seeded || (await this.#sync.renew())
    const since = Date.now()
    const shared = believesL2 ? await this.#l2.read(userId, since) : { unavailable: true as const }
    if (shared.fresh) return this.#keep(userId, shared.fresh, 'l2', since)
    // A slot that just timed out would time out the lock and the write too: each costs a request the store timeout.
    const lock = {
      ttlMs: this.#o.lockTtlMs,
      emit: this.#emit,
      storeUnavailable: shared.unavailable === true,
      releaseInBackground: true,
      onFill: (filled: CacheEntry): Resolved | null => this.#keep(userId, filled, 'l2', since),
    }
    const answered = await withFleetLock(this.#l2, userId, lock, async () => {
      const answer = await querySource(this.#o.source, userId, this.#o.sourceTimeoutMs, this.#sourceBreaker, this.#emit)
      if (!answer.ok) return null
      const entry = this.#entryFor(answer.state, answer.readAt)
      const writable =
        !shared.unavailable &&
        !this.#invalidatedSince(userId, since) &&
        !this.#sync.order.isOlder(userId, entry.checkedAt)
      if (writable) await this.#l2.write(userId, entry, Date.now())
      return this.#keep(userId, entry, 'source', since)
    })
    if (answered) return answered
    const known = [this.#l1.known(userId), shared.stale].filter(
      (e): e is CacheEntry => e !== undefined && Date.now() < e.freshUntil + this.#o.graceMs,
    )
    const newest = known.sort((a, b) => b.checkedAt - a.checkedAt)[0]
    return newest ? { entry: newest, tier: 'stale' } : { entry: undefined, tier: 'none' }
  }

  /** Ends every session of the user issued before `at`. Persisted in the user source first. */
  async revoke(userId: string, at: number | Date = Date.now()): Promise<PropagationResult> {
    const time = at instanceof Date ? at.getTime() : at
    if (!Number.isFinite(time))
      throw new ValidationCacheError('revoke(userId, at): `at` must be a valid Date or epoch milliseconds')
    return this.#persistThenPropagate(userId, time, 'revoke')
  }

  /** Undoes revoke(): the user's earlier sessions are valid again. */
  async restore(userId: string): Promise<PropagationResult> {
    return this.#persistThenPropagate(userId, null, 'restore')
  }

  /** Re-reads the user from the source now and tells the fleet (e.g. after a ban, by webhook). */
  async refresh(userId: string): Promise<PropagationResult> {
    assertUserId(userId, this.#o.requireUuid)
    return this.#propagate(canonicalUserId(userId, this.#o.requireUuid), 'refresh')
  }

  async #persistThenPropagate(
    userId: string,
    at: number | null,
    action: 'revoke' | 'restore',
  ): Promise<PropagationResult> {
    const id = (assertUserId(userId, this.#o.requireUuid), canonicalUserId(userId, this.#o.requireUuid))
    await persistRevocation(this.#o.source, id, at, this.#o.sourceTimeoutMs)
    return this.#propagate(id, action)
  }

  /** Source → L2 → broadcast, in that order, under the fleet lock so no older read lands after ours. */
  async #propagate(userId: string, action: 'revoke' | 'restore' | 'refresh'): Promise<PropagationResult> {
    this.#invalidateLocally(userId)
    await this.#channel.forewarn(userId) // the lock below may be held by a stuck instance for seconds
    const { entry, stored } = await withFleetLock(
      this.#l2,
      userId,
      { ttlMs: this.#o.lockTtlMs, emit: this.#emit },
      async (lock) => {
        const answer = await querySource(
          this.#o.source,
          userId,
          this.#o.sourceTimeoutMs,
          this.#sourceBreaker,
          this.#emit,
        )
        const entry = answer.ok ? this.#entryFor(answer.state, answer.readAt) : undefined
        if (entry) this.#sync.order.saw(userId, entry.checkedAt) // from now on, nothing older of this user
        // No fresh state: drop L2 so the next validation anywhere asks the source itself. A slot whose
        // lock timed out is not written now (another timeout before the broadcast): the retry drops it.
        if (lock === 'store-unavailable') return { entry, stored: false }
        return {
          entry,
          stored: entry ? await this.#l2.write(userId, entry, Date.now()) : await this.#l2.remove(userId),
        }
      },
    )
    // Again: a lookup here may have read L2 between our first mark and our write.
    this.#invalidateLocally(userId)
    if (entry) this.#l1.set(userId, entry, Date.now())
    const broadcast = await this.#channel.announce(userId, entry?.checkedAt ?? Date.now())
    if (!stored || !broadcast) this.#pending.add(userId)
    this.#emit({ type: 'revocation', action, cache: stored && broadcast ? 'updated' : 'pending' })
    return { cache: stored && broadcast ? 'updated' : 'pending', broadcast: broadcast ? 'sent' : 'failed' }
  }

  /** A pending user: drop their L2 entry (the next read asks the source) and tell the fleet. */
  async #retryPropagation(userId: string): Promise<boolean> {
    return (await this.#l2.remove(userId)) && (await this.#channel.announce(userId, Date.now()))
  }

  /** L1 is trusted past the short window only while the fleet's changes are proven heard (fleet/sync.ts). */
  #fresh(userId: string): CacheEntry | undefined {
    if (!this.#o.enabled) return undefined
    const hit = this.#l1.fresh(userId, this.#o.l1TtlUnlistenedMs, this.#o.l1TtlMs, this.#proven)
    // Not listening, the log is the fast path too: every hit keeps it read (≤ 1 per renewAfter).
    if (hit !== undefined && !this.#channel.listening) this.#sync.touch()
    return hit
  }
  readonly #proven = () => this.#sync.proven()

  /** Broadcasts were missed while deaf: the change log says which users to drop; the store is back: retry now. */
  #resume(): void {
    this.#store.breaker.probeNow()
    void this.#sync.renew()
    void this.#pending.flush()
  }

  #invalidateAll(): void {
    this.#invalidatedAllAt = Date.now()
    this.#l1.clear()
    this.#flights.clear()
  }

  #invalidateLocally(userId: string): void {
    this.#invalidatedAt.set(userId, Date.now())
    this.#l1.delete(userId)
    this.#flights.forget(userId)
  }

  #invalidatedSince(userId: string, since: number): boolean {
    const at = this.#invalidatedAt.get(userId)
    return (at !== undefined && at >= since) || this.#invalidatedAllAt >= since
  }

  /** Fills L1 unless an invalidation arrived while this lookup ran (its state may predate it). */
  #keep(userId: string, entry: CacheEntry, tier: Tier, since: number): Resolved {
    // A state from L2 may be older than one seen here; what this lookup read from the source is not
    // refused (another process's clock, running ahead, could otherwise refuse it for seconds).
    if (tier === 'l2' && this.#sync.order.isOlder(userId, entry.checkedAt)) {
      this.#emit({ type: 'older-state', from: 'fill' })
      return { entry: undefined, tier: 'none' }
    }
    if (!this.#invalidatedSince(userId, since)) this.#l1.set(userId, entry, Date.now())
    return { entry, tier }
  }

  async #resolveUncached(userId: string): Promise<Resolved> {
    const answer = await querySource(this.#o.source, userId, this.#o.sourceTimeoutMs, this.#sourceBreaker, this.#emit)
    return answer.ok
      ? { entry: this.#entryFor(answer.state, answer.readAt), tier: 'source' }
      : { entry: undefined, tier: 'none' }
  }

  /** Dated when the query was sent: the state is at least that old, and its order says so. */
  #entryFor(state: UserState, readAt: number): CacheEntry {
    return {
      state,
      checkedAt: readAt,
      freshUntil: readAt + (isNegative(state, readAt) ? this.#o.negativeTtlMs : this.#o.ttlMs),
    }
  }

  #answer(
    { entry, tier }: Resolved,
    issuedAt: number | undefined,
    now: number,
    durationMs?: number,
    record = true,
  ): ValidationResult {
    const verdict = entry ? decide(entry.state, issuedAt, now) : 'unavailable'
    if (record)
      this.#emit(
        durationMs === undefined
          ? { type: 'validation', verdict, tier }
          : { type: 'validation', verdict, tier, durationMs },
      )
    return {
      valid: verdict === 'active',
      verdict,
      tier,
      reason: explain(verdict, entry?.state),
      checkedAt: entry?.checkedAt ?? null,
      role: entry?.state.role ?? null,
    }
  }

  readonly #emit = (event: CacheEvent): void => {
    this.counters.record(event)
    try {
      this.#o.onEvent?.(event)
    } catch {
      // A listener's bug must not change a verdict or fail a request.
    }
  }

  /** Can the shared store and the user source be reached? For health checks; reused for 5 s. */
  probe(): Promise<Health> {
    return this.#health.check()
  }

  /** Starts collecting validated user ids; the returned function hands over and clears them. */
  observeUsers(): () => string[] {
    return this.#seen.observe()
  }

  /** Backend, L1 occupancy, breaker states and counters: what observability reports. */
  stats() {
    const liveness = this.#sync.stats()
    const l1 = {
      size: this.#l1.size,
      maxSize: this.#l1.maxSize,
      ttlMs: liveness.proven ? this.#o.l1TtlMs : this.#o.l1TtlUnlistenedMs,
    }
    return {
      backend: this.#o.store.backend,
      instanceId: this.#o.instanceId,
      breaker: this.#store.breaker.state,
      sourceBreaker: this.#sourceBreaker.state,
      listening: this.#channel.listening,
      liveness,
      l1,
      ttlMs: this.#o.ttlMs,
      pendingInvalidations: this.#pending.size,
      ...this.counters.snapshot(),
    }
  }

  async close(): Promise<void> {
    this.#pending.stop()
    await this.#channel.close()
    await this.#o.store.close()
  }
}

export function createValidationCache(options: ValidationCacheOptions): ValidationCache {
  return new ValidationCache(options)
}
