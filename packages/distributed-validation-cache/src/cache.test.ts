import { afterEach, describe, expect, it } from 'vitest'
import { createValidationCache, type ValidationCache } from './cache.js'
import type { Duration } from './config/duration.js'
import { ConfigError, InvalidUserIdError, RevocationError } from './errors.js'
import type { ValidationCacheOptions } from './options.js'
import type { Store } from './stores/store.js'
import { memoryStore } from './stores/memory.js'
import { chaosStore } from './testing/chaos-store.js'
import type { UserSource } from './sources/user-source.js'
import type { UserState } from './user-state.js'

const ACTIVE = '00000000-0000-4000-8000-000000000001'
const BANNED = '00000000-0000-4000-8000-000000000002'
const WAS_BANNED = '00000000-0000-4000-8000-000000000003'
const DELETED = '00000000-0000-4000-8000-000000000004'
const MISSING = '00000000-0000-4000-8000-000000000005'
const HOUR = 3_600_000

/** A user source stand-in over a Map: counts queries, can be made to fail. */
class MapSource implements UserSource {
  readonly name = 'map'
  readonly users = new Map<string, UserState>()
  queries = 0
  failFetch = false
  failRevoke = false
  constructor() {
    const base: UserState = { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null }
    this.users.set(ACTIVE, base)
    this.users.set(BANNED, { ...base, bannedUntil: Date.now() + HOUR })
    this.users.set(WAS_BANNED, { ...base, bannedUntil: Date.now() - HOUR })
    this.users.set(DELETED, { ...base, deleted: true })
  }
  async fetchUser(userId: string): Promise<UserState | null> {
    this.queries++
    if (this.failFetch) throw new Error('user source down')
    const state = this.users.get(userId)
    return state ? { ...state } : null
  }
  async setSessionsRevokedAt(userId: string, at: number | null): Promise<void> {
    if (this.failRevoke) throw new Error('user source down')
    const state = this.users.get(userId)
    if (state) this.users.set(userId, { ...state, sessionsRevokedAt: at })
  }
}

const open: ValidationCache[] = []
function setup(options: Partial<ValidationCacheOptions> = {}) {
  const source = new MapSource()
  const cache = createValidationCache({ source, store: memoryStore(), ...options })
  open.push(cache)
  return { source, cache }
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()))
})

describe('validate on the memory store', () => {
  it.each([
    [ACTIVE, 'active', /^user is active$/],
    [BANNED, 'banned', /^user is banned until \d{4}-\d\d-\d\dT/],
    [WAS_BANNED, 'active', /^user is active$/],
    [DELETED, 'deleted', /^user was deleted$/],
    [MISSING, 'missing', /^no such user in the user source$/],
  ] as const)('%s → %s, first from the source, then from L1', async (userId, verdict, reason) => {
    const { source, cache } = setup()
    const first = await cache.validate(userId, { issuedAt: Date.now() })
    expect(first).toMatchObject({ verdict, valid: verdict === 'active', tier: 'source', checkedAt: expect.any(Number) })
    expect(first.reason).toMatch(reason)
    expect(first.reason).not.toContain(userId)
    const second = await cache.validate(userId, { issuedAt: Date.now() })
    expect(second).toMatchObject({ verdict, tier: 'l1', reason: first.reason, checkedAt: first.checkedAt })
    expect(source.queries).toBe(1)
  })

  it('rejects a malformed id before any lookup', async () => {
    const { source, cache } = setup()
    await expect(cache.validate('not-a-uuid')).rejects.toBeInstanceOf(InvalidUserIdError)
    await expect(cache.validate(42)).rejects.toMatchObject({ problem: 'not-a-string' })
    expect(source.queries).toBe(0)
  })

  it('asks the source once for concurrent validations of one user', async () => {
    const { source, cache } = setup()
    const results = await Promise.all(Array.from({ length: 5 }, () => cache.validate(ACTIVE)))
    expect(results.every((r) => r.verdict === 'active')).toBe(true)
    expect(source.queries).toBe(1)
  })

  it('accepts issuedAt as a Date', async () => {
    const { cache } = setup()
    await cache.revoke(ACTIVE)
    expect((await cache.validate(ACTIVE, { issuedAt: new Date(Date.now() - HOUR) })).verdict).toBe('revoked')
  })
})

describe('revoke and restore', () => {
  it('revokes older sessions, keeps later ones, and restore undoes it', async () => {
    const { source, cache } = setup()
    const oldSession = { issuedAt: Date.now() - HOUR }
    expect((await cache.validate(ACTIVE, oldSession)).verdict).toBe('active')

    const at = Date.now()
    expect(await cache.revoke(ACTIVE, at)).toEqual({ cache: 'updated', broadcast: 'sent' })
    expect(source.users.get(ACTIVE)?.sessionsRevokedAt).toBe(at)
    const revoked = await cache.validate(ACTIVE, oldSession)
    expect(revoked).toMatchObject({ verdict: 'revoked', valid: false })
    expect(revoked.reason).toContain(new Date(at).toISOString())
    expect((await cache.validate(ACTIVE)).verdict).toBe('revoked') // unknown issue time
    expect((await cache.validate(ACTIVE, { issuedAt: at + 1_000 })).verdict).toBe('active')

    expect(await cache.restore(ACTIVE)).toEqual({ cache: 'updated', broadcast: 'sent' })
    expect(source.users.get(ACTIVE)?.sessionsRevokedAt).toBeNull()
    expect((await cache.validate(ACTIVE, oldSession)).verdict).toBe('active')
  })

  /** Revokes on engine A, waits until engine B (same store) has seen the broadcast, asks B. */
  async function verdictOnOtherEngine(secret: string | undefined) {
    const store = memoryStore()
    const { source, cache: a } = setup({ store, ...(secret ? { secret } : {}) })
    const b = createValidationCache({ source, store, ...(secret ? { secret } : {}) })
    open.push(b)
    await Promise.all([a.ready(), b.ready()])
    const oldSession = { issuedAt: Date.now() - HOUR }
    expect((await b.validate(ACTIVE, oldSession)).verdict).toBe('active')
    await a.revoke(ACTIVE)
    const deadline = Date.now() + 2_000
    const seen = () => b.stats().broadcasts.received + b.stats().broadcasts.rejected
    while (seen() === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2))
    return { verdict: (await b.validate(ACTIVE, oldSession)).verdict, b }
  }

  it('reaches another engine sharing the store and the secret', async () => {
    const { verdict, b } = await verdictOnOtherEngine('shared-secret-0123456789')
    expect(verdict).toBe('revoked')
    expect(b.stats().broadcasts).toEqual({ received: 2, rejected: 0 }) // the forewarning, then the change
  })

  // Engines sharing one memoryStore without a secret must still share its signing key.
  it('reaches another engine sharing the memory store without an explicit secret', async () => {
    expect((await verdictOnOtherEngine(undefined)).verdict).toBe('revoked')
  })

  it('rejects with RevocationError and changes nothing when the source cannot persist', async () => {
    const { source, cache } = setup()
    const oldSession = { issuedAt: Date.now() - HOUR }
    await cache.validate(ACTIVE, oldSession)
    source.failRevoke = true
    const attempt = cache.revoke(ACTIVE)
    await expect(attempt).rejects.toBeInstanceOf(RevocationError)
    await expect(attempt).rejects.toThrow(/nothing was changed — retry/)
    await expect(attempt).rejects.not.toThrow(ACTIVE)
    expect(source.users.get(ACTIVE)?.sessionsRevokedAt).toBeNull()
    expect((await cache.validate(ACTIVE, oldSession)).verdict).toBe('active')
    const other = setup({ store: memoryStore() }).cache // a cold engine asks the source itself
    expect((await other.validate(ACTIVE, oldSession)).verdict).toBe('active')
  })
})

describe('after a store outage', () => {
  it('sends a pending revocation as soon as the subscription is back, without waiting out the breaker', async () => {
    const store = chaosStore(memoryStore())
    let setListening: (listening: boolean) => void = () => undefined
    // The memory store with an outage switch and a subscription the test can drop and restore.
    const flaky: Store = {
      ...store,
      subscribe: (channel, handlers) =>
        store.subscribe(channel, {
          ...handlers,
          onListening: (l) => ((setListening = (x) => handlers.onListening?.(x)), handlers.onListening?.(l)),
        }),
    }
    const { cache } = setup({ store: flaky })
    await cache.ready()
    store.chaos.alwaysThrow(['get', 'set', 'delete', 'publish', 'appendLog', 'readLog'], new Error('store down'))
    setListening(false)
    expect(await cache.revoke(ACTIVE)).toEqual({ cache: 'pending', broadcast: 'failed' })
    expect(cache.stats()).toMatchObject({ breaker: 'open', pendingInvalidations: 1 })
    store.chaos.heal()
    const resumedAt = Date.now()
    setListening(true)
    const deadline = resumedAt + 900 // the retry timer and the breaker's cooldown are both 1 s
    while (cache.stats().pendingInvalidations > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5))
    expect(cache.stats()).toMatchObject({ breaker: 'closed', pendingInvalidations: 0 })
  })
})

describe('enabled: false', () => {
  it('asks the source on every validation', async () => {
    const { source, cache } = setup({ enabled: false })
    for (let i = 1; i <= 3; i++) {
      expect(await cache.validate(ACTIVE)).toMatchObject({ verdict: 'active', tier: 'source' })
      expect(source.queries).toBe(i)
    }
    expect((await cache.validate(BANNED)).verdict).toBe('banned')
    expect(source.queries).toBe(4)
  })

  it('answers unavailable when the source fails', async () => {
    const { source, cache } = setup({ enabled: false })
    source.failFetch = true
    const result = await cache.validate(ACTIVE)
    expect(result).toMatchObject({ verdict: 'unavailable', valid: false, tier: 'none', checkedAt: null })
    expect(result.reason).toMatch(/retry later/)
  })
})

describe('source failures with caching on', () => {
  it('serves the last known state as stale within grace, and unavailable without one', async () => {
    const { source, cache } = setup({ ttl: 20, grace: '1 m' })
    const { checkedAt } = await cache.validate(ACTIVE)
    // Let the 20 ms TTL pass, and a few ms more: Date.now() has whole milliseconds, L1 ages on the monotonic clock.
    while (Date.now() <= checkedAt! + 25) await new Promise((r) => setTimeout(r, 5))
    source.failFetch = true
    expect(await cache.validate(ACTIVE)).toMatchObject({ verdict: 'active', tier: 'stale', valid: true })
    expect(await cache.validate(BANNED)).toMatchObject({ verdict: 'unavailable', tier: 'none' })
  })
})

describe('options', () => {
  const source = new MapSource()
  const sharedStore: Store = { ...memoryStore(), backend: 'redis' }
  it.each([
    ['ttl: "abc"', { ttl: 'abc' as Duration, l1Ttl: '1 s' }, 'ttl'],
    ['ttl: 0', { ttl: 0, l1Ttl: '1 s' }, 'ttl'],
    ['negativeTtl: -1', { negativeTtl: -1 }, 'negativeTtl'],
    ['l1MaxSize: 0', { l1MaxSize: 0, store: memoryStore() }, 'l1MaxSize'],
    ['l1MaxSize: 1.5', { l1MaxSize: 1.5, store: memoryStore() }, 'l1MaxSize'],
    ['prefix with braces', { prefix: 'app{1}:' }, 'prefix'],
    ['prefix with whitespace', { prefix: 'my app:' }, 'prefix'],
    ['a shared store without secret', { store: sharedStore }, 'secret'],
    ['a shared store with a short secret', { store: sharedStore, secret: 'short' }, 'secret'],
  ] as const)('%s → ConfigError naming it', (_, options, variable) => {
    let error: unknown
    try {
      createValidationCache({ source, ...options })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).issues.map((i) => i.variable)).toEqual([variable])
    expect((error as ConfigError).message).not.toContain('\n')
  })

  // A bad ttl must not also be blamed on l1Ttl, which defaults to it.
  it('ttl: "abc" alone → ConfigError naming only ttl', () => {
    expect(() => createValidationCache({ source, ttl: 'abc' as Duration })).toThrow(
      /^Invalid configuration: ttl must be a duration[^;]*$/,
    )
  })

  // Checked before the default memory store is built, so lru-cache's TypeError never escapes.
  it('l1MaxSize: 0 with the default store → ConfigError', () => {
    expect(() => createValidationCache({ source, l1MaxSize: 0 })).toThrow(ConfigError)
  })
})

describe('stats()', () => {
  it('counts each validation exactly once, by tier and verdict', async () => {
    const { cache } = setup()
    await cache.validate(ACTIVE) // source
    await cache.validate(ACTIVE) // l1
    await cache.validate(ACTIVE) // l1
    await cache.validate(BANNED) // source
    await cache.validate(MISSING) // source
    await cache.validate(MISSING) // l1
    await expect(cache.validate('bad id')).rejects.toBeInstanceOf(InvalidUserIdError) // not a validation
    const { validations, source, backend, l1 } = cache.stats()
    expect(backend).toBe('memory')
    expect(validations.total).toBe(6)
    const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0)
    expect(sum(validations.byTier)).toBe(6) // once each, under exactly one tier…
    expect(sum(validations.byVerdict)).toBe(6) // …and exactly one verdict
    expect(validations.byTier).toMatchObject({ l1: 3, l2: 0, source: 3, stale: 0, none: 0 })
    expect(validations.byVerdict).toMatchObject({
      active: 3,
      banned: 1,
      deleted: 0,
      missing: 2,
      revoked: 0,
      unavailable: 0,
    })
    expect(source).toMatchObject({ queries: 3, found: 2, notFound: 1, errors: 0 })
    expect(l1.size).toBe(3)
  })
})
