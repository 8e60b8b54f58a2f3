import { setTimeout as delay } from 'node:timers/promises'
import { LRUCache } from 'lru-cache'
import type { CacheEntry } from './cache-entry.js'
import { Counters } from './counters.js'
import { RevocationError } from './errors.js'
import type { CacheEvent, Tier } from './events.js'
import { GuardedStore } from './guarded-store.js'
import { decodeInvalidation, encodeInvalidation } from './invalidation.js'
import { invalidationChannel } from './keys.js'
import { LocalTier } from './local-tier.js'
import { resolveOptions, type ResolvedOptions, type ValidationCacheOptions } from './options.js'
import { explain } from './reason.js'
import { SharedTier, type LockOutcome } from './shared-tier.js'
import { SingleFlight } from './single-flight.js'
import { querySource } from './source-query.js'
import { assertUserId } from './user-id.js'
import { decide, isNegative, type UserState, type Verdict } from './user-state.js'

export interface ValidationResult {
  /** True only for `active`: the one thing a caller must check. */
  valid: boolean
  verdict: Verdict
  /** Where the answer came from. */
  tier: Tier
  /** A human-readable why, safe to log (no user id). */
  reason: string
  /** When the user source was last asked about this user (epoch ms), or null. */
  checkedAt: number | null
}

export interface PropagationResult {
  /** `pending`: the shared store was unreachable; the write is retried when it is back. */
  cache: 'updated' | 'pending'
  broadcast: 'sent' | 'failed'
}

type Resolved = { entry: CacheEntry | undefined; tier: Tier }

export class ValidationCache {
  readonly counters = new Counters()
  readonly #o: ResolvedOptions
  readonly #l1: LocalTier
  readonly #l2: SharedTier
  readonly #store: GuardedStore
  readonly #flights = new SingleFlight<Resolved>()
  readonly #invalidatedAt: LRUCache<string, number>
  readonly #pending = new Set<string>()
  readonly #ready: Promise<void>
  #unsubscribe: (() => Promise<void>) | null = null
  #retryTimer: NodeJS.Timeout | undefined

  constructor(options: ValidationCacheOptions) {
    const o = (this.#o = resolveOptions(options))
    const emit = this.#emit
    this.#l1 = new LocalTier({ maxSize: o.l1MaxSize, ttlMs: o.l1TtlMs, graceMs: o.graceMs })
    this.#store = new GuardedStore(o.store, { timeoutMs: o.storeTimeoutMs, emit, onRecover: () => void this.#replayPending() })
    this.#l2 = new SharedTier(this.#store, { prefix: o.prefix, secret: o.secret, graceMs: o.graceMs, emit })
    this.#invalidatedAt = new LRUCache({ max: o.l1MaxSize, ttl: this.#lockTtlMs * 2 })
    this.#ready = o.enabled && o.subscribe ? this.#listen() : Promise.resolve()
  }

  /** Resolves once this instance listens for fleet broadcasts (or gave up trying). */
  ready(): Promise<void> {
    return this.#ready
  }

  /**
   * Is this user still allowed in? `issuedAt` is the session's issue time (epoch ms or Date);
   * without it, any revocation of the user revokes the session. Rejects only with
   * InvalidUserIdError; every other failure is a verdict (`unavailable` at worst).
   */
  validate(userId: unknown, options: { issuedAt?: number | Date } = {}): Promise<ValidationResult> {
    const issuedAt = options.issuedAt instanceof Date ? options.issuedAt.getTime() : options.issuedAt
    const now = Date.now()
    // Only ids that passed assertUserId ever enter L1, so a hit needs no second format check.
    const cached = this.#o.enabled && typeof userId === 'string' ? this.#l1.fresh(userId, now) : undefined
    if (cached) return Promise.resolve(this.#answer({ entry: cached, tier: 'l1' }, issuedAt, now))
    try {
      assertUserId(userId, this.#o.requireUuid)
    } catch (error) {
      return Promise.reject(error)
    }
    const started = performance.now()
    const lookup = this.#o.enabled ? this.#flights.run(userId, () => this.#resolve(userId)) : this.#resolveUncached(userId)
    return lookup.then((r) => this.#answer(r, issuedAt, Date.now(), performance.now() - started))
  }

  /** L1 missed: L2, then (one instance of the fleet) the source, then the last known state. */
  async #resolve(userId: string): Promise<Resolved> {
    const since = Date.now()
    const shared = await this.#l2.read(userId, since)
    if (shared.fresh) return this.#keep(userId, shared.fresh, 'l2', since)
    const lock = await this.#acquireLock(userId, true)
    if (typeof lock === 'object') return this.#keep(userId, lock.filled, 'l2', since)
    try {
      const answer = await querySource(this.#o.source, userId, this.#o.sourceTimeoutMs, this.#emit)
      if (answer.ok) {
        const entry = this.#entryFor(answer.state)
        if (!this.#invalidatedSince(userId, since)) await this.#l2.write(userId, entry, Date.now())
        return this.#keep(userId, entry, 'source', since)
      }
    } finally {
      if (lock === 'acquired') void this.#l2.unlock(userId)
    }
    const last = [this.#l1.known(userId), shared.stale].filter((e) => e && Date.now() < e.freshUntil + this.#o.graceMs)
    const newest = last.sort((a, b) => b!.checkedAt - a!.checkedAt)[0]
    return newest ? { entry: newest, tier: 'stale' } : { entry: undefined, tier: 'none' }
  }

  /**
   * Takes the fleet lock for this user, waiting while another instance holds it. A waiter that
   * sees the holder's L2 write returns it; past the lock's TTL the holder is presumed dead.
   */
  async #acquireLock(userId: string, acceptFill: boolean): Promise<LockOutcome | { filled: CacheEntry }> {
    const deadline = Date.now() + this.#lockTtlMs
    let lock = await this.#l2.tryLock(userId, this.#lockTtlMs)
    while (lock === 'held') {
      await delay(LOCK_POLL_MS)
      if (acceptFill) {
        const { fresh } = await this.#l2.read(userId, Date.now())
        if (fresh) {
          this.#emit({ type: 'lock', outcome: 'waited-for-fill' })
          return { filled: fresh }
        }
      }
      if (Date.now() > deadline) {
        this.#emit({ type: 'lock', outcome: 'took-over' })
        return 'store-unavailable'
      }
      lock = await this.#l2.tryLock(userId, this.#lockTtlMs)
    }
    if (lock === 'acquired') this.#emit({ type: 'lock', outcome: 'acquired' })
    return lock
  }

  /** Ends every session of the user issued before `at`. Persisted in the user source first. */
  async revoke(userId: string, at: number | Date = Date.now()): Promise<PropagationResult> {
    return this.#persistThenPropagate(userId, at instanceof Date ? at.getTime() : at, 'revoke')
  }

  /** Undoes revoke(): the user's earlier sessions are valid again. */
  async restore(userId: string): Promise<PropagationResult> {
    return this.#persistThenPropagate(userId, null, 'restore')
  }

  /** Re-reads the user from the source now and tells the fleet (e.g. after a ban, by webhook). */
  async refresh(userId: string): Promise<PropagationResult> {
    assertUserId(userId, this.#o.requireUuid)
    return this.#propagate(userId, 'refresh')
  }

  async #persistThenPropagate(userId: string, at: number | null, action: 'revoke' | 'restore'): Promise<PropagationResult> {
    assertUserId(userId, this.#o.requireUuid)
    try {
      await this.#o.source.setSessionsRevokedAt(userId, at)
    } catch (error) {
      throw new RevocationError(`user ${userId.slice(0, 8)}…`, { cause: error })
    }
    return this.#propagate(userId, action)
  }

  /** Source → L2 → broadcast, in that order, under the fleet lock so no older read lands after ours. */
  async #propagate(userId: string, action: 'revoke' | 'restore' | 'refresh'): Promise<PropagationResult> {
    this.#invalidateLocally(userId)
    const lock = await this.#acquireLock(userId, false)
    let stored: boolean
    try {
      const answer = await querySource(this.#o.source, userId, this.#o.sourceTimeoutMs, this.#emit)
      if (answer.ok) {
        const entry = this.#entryFor(answer.state)
        this.#l1.set(userId, entry, Date.now())
        stored = await this.#l2.write(userId, entry, Date.now())
      } else {
        stored = await this.#l2.remove(userId) // the next validation asks the source itself
      }
    } finally {
      if (lock === 'acquired') await this.#l2.unlock(userId)
    }
    if (!stored) this.#addPending(userId)
    const broadcast = await this.#broadcast(userId)
    this.#emit({ type: 'revocation', action, cache: stored ? 'updated' : 'pending' })
    return { cache: stored ? 'updated' : 'pending', broadcast: broadcast ? 'sent' : 'failed' }
  }

  async #broadcast(userId: string): Promise<boolean> {
    const message = encodeInvalidation(this.#o.secret, userId, this.#o.instanceId)
    return this.#store.publish(invalidationChannel(this.#o.prefix), message).then(() => true, () => false)
  }

  async #listen(): Promise<void> {
    const onMessage = (message: string) => {
      const decoded = decodeInvalidation(this.#o.secret, message)
      this.#emit({ type: 'broadcast-received', valid: decoded !== undefined })
      if (decoded && decoded.origin !== this.#o.instanceId) this.#invalidateLocally(decoded.userId)
    }
    // Broadcasts sent while we were disconnected are lost: forget everything L1 knew instead.
    const onGap = () => this.#l1.clear()
    try {
      this.#unsubscribe = await this.#o.store.subscribe(invalidationChannel(this.#o.prefix), onMessage, onGap)
    } catch {
      // No subscription: L1 TTL bounds lockout, exactly as in serverless mode.
    }
  }

  #invalidateLocally(userId: string): void {
    this.#invalidatedAt.set(userId, Date.now())
    this.#l1.delete(userId)
    this.#flights.forget(userId)
  }

  #invalidatedSince(userId: string, since: number): boolean {
    const at = this.#invalidatedAt.get(userId)
    return at !== undefined && at >= since
  }

  /** Fills L1 unless an invalidation arrived while this lookup ran (its state may predate it). */
  #keep(userId: string, entry: CacheEntry, tier: Tier, since: number): Resolved {
    if (!this.#invalidatedSince(userId, since)) this.#l1.set(userId, entry, Date.now())
    return { entry, tier }
  }

  /**
   * Until the shared store takes the write, its old entry could un-revoke the user for a TTL
   * once it is back. So retry on a timer, not only when traffic happens to probe the breaker.
   */
  #addPending(userId: string): void {
    this.#pending.add(userId)
    this.#retryTimer ??= setInterval(() => void this.#replayPending(), PENDING_RETRY_MS).unref()
  }

  async #replayPending(): Promise<void> {
    for (const userId of [...this.#pending]) {
      if ((await this.#l2.remove(userId)) && (await this.#broadcast(userId))) this.#pending.delete(userId)
    }
    if (this.#pending.size === 0) this.#stopRetrying()
  }

  #stopRetrying(): void {
    clearInterval(this.#retryTimer)
    this.#retryTimer = undefined
  }

  async #resolveUncached(userId: string): Promise<Resolved> {
    const answer = await querySource(this.#o.source, userId, this.#o.sourceTimeoutMs, this.#emit)
    return answer.ok ? { entry: this.#entryFor(answer.state), tier: 'source' } : { entry: undefined, tier: 'none' }
  }

  #entryFor(state: UserState): CacheEntry {
    const now = Date.now()
    return { state, checkedAt: now, freshUntil: now + (isNegative(state, now) ? this.#o.negativeTtlMs : this.#o.ttlMs) }
  }

  #answer({ entry, tier }: Resolved, issuedAt: number | undefined, now: number, durationMs?: number): ValidationResult {
    const verdict = entry ? decide(entry.state, issuedAt, now) : 'unavailable'
    this.#emit(durationMs === undefined ? { type: 'validation', verdict, tier } : { type: 'validation', verdict, tier, durationMs })
    return { valid: verdict === 'active', verdict, tier, reason: explain(verdict, entry?.state), checkedAt: entry?.checkedAt ?? null }
  }

  readonly #emit = (event: CacheEvent): void => {
    this.counters.record(event)
    this.#o.onEvent?.(event)
  }

  get #lockTtlMs(): number {
    return this.#o.sourceTimeoutMs + 1_000
  }

  /** Backend, L1 occupancy, breaker state and counters: what observability reports. */
  stats() {
    return {
      backend: this.#o.store.backend,
      instanceId: this.#o.instanceId,
      breaker: this.#store.breaker.state,
      l1: { size: this.#l1.size, maxSize: this.#l1.maxSize, ttlMs: this.#o.l1TtlMs },
      ttlMs: this.#o.ttlMs,
      pendingInvalidations: this.#pending.size,
      ...this.counters.snapshot(),
    }
  }

  async close(): Promise<void> {
    this.#stopRetrying()
    await this.#unsubscribe?.().catch(() => undefined)
    await this.#o.store.close()
  }
}

const LOCK_POLL_MS = 20
const PENDING_RETRY_MS = 1_000

export function createValidationCache(options: ValidationCacheOptions): ValidationCache {
  return new ValidationCache(options)
}
