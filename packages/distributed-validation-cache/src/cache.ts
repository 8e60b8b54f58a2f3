import { assemble, type Parts } from './assembly.js'
import { ValidationCacheError } from './errors.js'
import type { CacheEvent, Tier } from './events.js'
import { lookupShared, type Resolved, type SharedLookupParts } from './fleet/shared-lookup.js'
import { persistRevocation } from './fleet/revocation-write.js'
import { Counters } from './observability/counters.js'
import { type Health, HealthProbe } from './observability/health-probe.js'
import { SeenUsers } from './observability/seen-users.js'
import { type ResolvedOptions, resolveOptions, type ValidationCacheOptions } from './options.js'
import { NO_OPTIONS, type PropagationResult, resultOf, type ValidateOptions, type ValidationResult } from './result.js'
import { type CacheEntry, entryFor } from './tiers/entry.js'
import type { Local } from './tiers/local.js'
import { assertUserId, canonicalUserId } from './user-id.js'
import { isAlwaysActive, VERDICTS, type Verdict } from './user-state.js'

export type { PropagationResult, ValidateOptions, ValidationResult } from './result.js'

export class ValidationCache {
  readonly counters = new Counters()
  readonly #o: ResolvedOptions
  readonly #p: Parts
  readonly #ready: Promise<void>
  readonly #health: HealthProbe
  readonly #seen = new SeenUsers()
  /** A first reading of the user store's clock, so that nothing is stamped on this process's alone. */
  readonly #clockRead: Promise<void>

  constructor(options: ValidationCacheOptions) {
    const o = (this.#o = resolveOptions(options))
    this.#p = assemble(o, this.#emit)
    // Not a lookup (not counted, no user asked about): a reading of the clock that judges bans.
    this.#clockRead = o.source.clock ? o.source.clock.takeReading() : Promise.resolve()
    this.#ready = Promise.all([
      o.enabled && o.subscribe ? this.#p.channel.listen() : undefined,
      o.enabled && o.listen ? this.#p.userStore.start() : undefined,
      this.#clockRead,
    ]).then(() => undefined)
    this.#health = new HealthProbe(o)
  }

  /** Resolves once this instance listens for fleet broadcasts and user store changes (or gave up trying). */
  ready(): Promise<void> {
    return this.#ready
  }

  /**
   * The user store's time, in epoch ms, as this instance reads it: stamp session sign-in times with
   * it, so a revoke() made on any instance ends exactly the sessions signed before it.
   */
  now(): number {
    return this.#o.now()
  }

  /**
   * What to stamp a new session's sign-in time with: the earliest the store's time may be now (a
   * revocation is stamped with the latest), after a reading of its clock if none was taken yet.
   */
  async signInTime(): Promise<number> {
    const clock = await this.#readClock()
    return clock ? clock.earliest() : Date.now()
  }

  /** The store's clock, read at least once (again now if the first reading failed); none if it has none. */
  async #readClock() {
    const clock = this.#o.source.clock
    if (clock && !clock.read) await clock.takeReading()
    return clock
  }

  /** Reads the fleet's change log now (validations do when they need it); true once proven current. */
  sync(): Promise<boolean> {
    return this.#p.sync.renew()
  }

  /**
   * Is this user still allowed in? `issuedAt` is the session's issue time in epoch ms (or a
   * Date); without it, any revocation of the user revokes the session. Rejects only with
   * InvalidUserIdError; every other failure is a verdict (`unavailable` at worst).
   */
  validate(userId: unknown, options: ValidateOptions = NO_OPTIONS): Promise<ValidationResult> {
    // Only checked, canonical ids ever enter L1, so a hit needs no second format check.
    const cached = typeof userId === 'string' ? this.#fresh(userId) : undefined
    if (cached) return this.#hit(userId as string, cached, options)
    const issuedAt = options.issuedAt instanceof Date ? options.issuedAt.getTime() : options.issuedAt
    // record: false for looks that are not requests (an admin page listing users): they must
    // not inflate validations, hit rate or active users.
    const record = options.record !== false
    try {
      assertUserId(userId, this.#o.requireUuid)
    } catch (error) {
      return Promise.reject(error)
    }
    const id = canonicalUserId(userId, this.#o.requireUuid)
    if (record) this.#seen.add(id)
    const canonicalHit = id !== userId ? this.#fresh(id) : undefined
    if (canonicalHit) return this.#hit(id, canonicalHit, options)
    const started = performance.now()
    const lookup = this.#o.enabled ? this.#p.flights.run(id, () => this.#resolve(id)) : this.#resolveUncached(id)
    return lookup.then((r) => this.#answer(r, issuedAt, this.#o.now(), performance.now() - started, record))
  }

  /** L1 missed: L2, then (one instance of the fleet) the source, then the last known state. */
  async #resolve(userId: string): Promise<Resolved> {
    // L1 holds the user but the proof is old (an idle spell, a thaw): one log read for all users.
    if (this.#o.enabled && this.#p.l1.fresh(userId, this.#o.l1TtlMs) && (await this.#p.sync.renew())) {
      const renewed = this.#fresh(userId)
      if (renewed) return { entry: renewed, tier: 'l1' }
    }
    const since = performance.now() // compared with this process's invalidations only
    const found = await lookupShared(this.#lookupParts, userId, since)
    if (found.entry) return found
    const known = [this.#p.l1.known(userId), found.stale].filter(
      (e): e is CacheEntry => e !== undefined && this.#o.now() < e.freshUntil + this.#o.graceMs,
    )
    const newest = known.sort((a, b) => b.checkedAt - a.checkedAt)[0]
    return newest ? { entry: newest, tier: 'stale' } : { entry: undefined, tier: 'none' }
  }

  /** Ends every session of the user issued before `at`. Persisted in the user source first. */
  async revoke(userId: string, at?: number | Date): Promise<PropagationResult> {
    const time = at === undefined ? await this.#revocationTime() : at instanceof Date ? at.getTime() : at
    if (!Number.isFinite(time))
      throw new ValidationCacheError('revoke(userId, at): `at` must be a valid Date or epoch milliseconds')
    return this.#persistThenPropagate(userId, time, 'revoke')
  }

  /** The latest the store's time may be now: every session signed before it, anywhere, is covered. */
  async #revocationTime(): Promise<number> {
    const clock = await this.#readClock()
    return clock ? clock.latest() : Date.now()
  }

  /** Undoes revoke(): the user's earlier sessions are valid again. */
  async restore(userId: string): Promise<PropagationResult> {
    return this.#persistThenPropagate(userId, null, 'restore')
  }

  /** Re-reads the user from the source now and tells the fleet (e.g. after a ban, by webhook). */
  async refresh(userId: string): Promise<PropagationResult> {
    assertUserId(userId, this.#o.requireUuid)
    return this.#p.propagation.run(canonicalUserId(userId, this.#o.requireUuid), 'refresh')
  }

  async #persistThenPropagate(
    userId: string,
    at: number | null,
    action: 'revoke' | 'restore',
  ): Promise<PropagationResult> {
    const id = (assertUserId(userId, this.#o.requireUuid), canonicalUserId(userId, this.#o.requireUuid))
    await persistRevocation(this.#o.source, id, at, this.#o.sourceTimeoutMs)
    return this.#p.propagation.run(id, action)
  }

  /** L1 is trusted past the short window only while the fleet's changes are proven heard (fleet/sync.ts). */
  #fresh(userId: string): Local | undefined {
    if (!this.#o.enabled) return undefined
    const hit = this.#p.l1.fresh(userId, this.#o.l1TtlUnlistenedMs, this.#o.l1TtlMs, this.#proven)
    // Not listening, the log is the fast path too: every hit keeps it read (≤ 1 per renewAfter).
    if (hit !== undefined && !this.#p.channel.listening) this.#p.sync.touch()
    return hit
  }
  readonly #proven = (mono: number) => this.#p.sync.proven(mono)

  get #lookupParts(): SharedLookupParts {
    const p = this.#p
    return (this.#parts ??= {
      ...p,
      emit: this.#emit,
      keep: (userId, entry, tier, since, knownAt) => this.#keep(userId, entry, tier, since, knownAt),
      lockTtlMs: this.#o.lockTtlMs,
      now: this.#o.now,
    })
  }
  #parts: SharedLookupParts | undefined

  /**
   * An L1 hit, the hot path: one clock read (L1's age). A user who is active whatever the session
   * and the time (no ban, no revocation) gets the same frozen answer, already settled, each time —
   * built once per entry; the others are judged now, on the user store's clock.
   */
  #hit(userId: string, local: Local, options: ValidateOptions): Promise<ValidationResult> {
    const counted = options.record !== false
    if (counted) this.#seen.add(userId)
    let answer = local.answer as Promise<ValidationResult> | undefined
    let verdict: Verdict = 'active' // a kept answer is an always-active user's
    if (answer === undefined) {
      const issuedAt = options.issuedAt instanceof Date ? options.issuedAt.getTime() : options.issuedAt
      const result = resultOf(local, 'l1', issuedAt, this.#o.now())
      verdict = result.verdict
      // Kept, frozen: every caller gets this one.
      if (isAlwaysActive(local.state)) local.answer = answer = Promise.resolve(Object.freeze(result))
      else answer = Promise.resolve(result)
    }
    if (counted) {
      // The same as #emit(event), without its generic dispatch: a third of an L1 hit's cost.
      this.counters.recordL1Hit(verdict)
      if (this.#o.onEvent) this.#notify(L1_HITS[verdict])
    }
    return answer
  }

  /** Fills L1 unless an invalidation arrived while this lookup ran (its state may predate it). */
  #keep(userId: string, entry: CacheEntry, tier: Tier, since: number, knownAt?: number): Resolved {
    // A state from L2 may be older than one seen here; what this lookup read from the source is not
    // refused (another process's clock, running ahead, could otherwise refuse it for seconds).
    if (tier === 'l2' && this.#p.sync.order.isOlder(userId, entry.checkedAt)) {
      this.#emit({ type: 'older-state', from: 'fill' })
      return { entry: undefined, tier: 'none' }
    }
    if (!this.#p.invalidated.since(userId, since)) this.#p.l1.set(userId, entry, this.#o.now(), knownAt)
    return { entry, tier }
  }

  async #resolveUncached(userId: string): Promise<Resolved> {
    const answer = await this.#p.query(userId)
    return answer.ok
      ? { entry: entryFor(answer.state, answer.readAt, this.#o), tier: 'source' }
      : { entry: undefined, tier: 'none' }
  }

  #answer({ entry, tier }: Resolved, issuedAt: number | undefined, now: number, durationMs?: number, record = true) {
    const result = resultOf(entry, tier, issuedAt, now)
    if (record)
      this.#emit({
        type: 'validation',
        verdict: result.verdict,
        tier,
        ...(durationMs === undefined ? {} : { durationMs }),
      })
    return result
  }

  readonly #emit = (event: CacheEvent): void => {
    this.counters.record(event)
    this.#notify(event)
  }

  #notify(event: CacheEvent): void {
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
    const liveness = this.#p.sync.stats()
    const l1 = {
      size: this.#p.l1.size,
      maxSize: this.#p.l1.maxSize,
      ttlMs: liveness.proven ? this.#o.l1TtlMs : this.#o.l1TtlUnlistenedMs,
    }
    return {
      backend: this.#o.store.backend,
      instanceId: this.#o.instanceId,
      breaker: this.#p.store.breaker.state,
      sourceBreaker: this.#p.sourceBreaker.state,
      listening: this.#p.channel.listening,
      /** The user store's clock minus this process's (ms), as its lookups read it: bans are judged on it. */
      clock: this.#o.source.clock?.stats() ?? { offsetMs: 0, uncertaintyMs: null, readings: 0 },
      /** Whether the user store's change notifications are heard; null where none are listened for. */
      userStoreListening: this.#o.enabled && this.#o.listen ? this.#p.userStore.listening : null,
      liveness,
      l1,
      ttlMs: this.#o.ttlMs,
      pendingInvalidations: this.#p.pending.size,
      ...this.counters.snapshot(),
    }
  }

  async close(): Promise<void> {
    this.#p.pending.close()
    await this.#p.userStore.close()
    await this.#p.channel.close()
    await this.#o.store.close()
  }
}

/** L1 hits carry no duration (timing them would double their cost): one frozen event per verdict. */
const L1_HITS = Object.fromEntries(
  VERDICTS.map((verdict) => [verdict, Object.freeze({ type: 'validation', verdict, tier: 'l1' } as const)]),
) as Record<Verdict, CacheEvent>

export function createValidationCache(options: ValidationCacheOptions): ValidationCache {
  return new ValidationCache(options)
}
