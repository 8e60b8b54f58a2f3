import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startBridge, type Bridge } from 'upstash-rest-bridge'
import { upstashStore } from '../src/stores/upstash.js'
import { startFleet } from './support/fleet.js'
import { waitFor } from './support/redis-server.js'
import { REDIS_URL, redisAvailable } from './support/services.js'

const redisUp = await redisAvailable()

/** The engine over the real @upstash/redis client, through the REST bridge to real Redis. */
describe.skipIf(!redisUp)('validation engine on Upstash (REST)', () => {
  let bridge: Bridge
  beforeAll(async () => void (bridge = await startBridge({ redisUrl: REDIS_URL, token: `token-${randomUUID()}` })))
  afterAll(() => bridge.close())
  afterEach(() => bridge.setFault(null))
  const upstash = (subscribe = true) => () => upstashStore({ url: bridge.url, token: bridge.token, timeoutMs: 300, subscribe })

  it('shares one source query across 3 instances and revokes on all of them within 1 s over SSE', async () => {
    const fleet = startFleet(3, { store: upstash() })
    const user = fleet.source.add(randomUUID())
    fleet.source.latencyMs = 25
    await fleet.ready()
    const issuedAt = Date.now() - 60_000
    const results = await Promise.all(fleet.instances.flatMap((c) => Array.from({ length: 50 }, () => c.validate(user, { issuedAt }))))
    expect(results.every((r) => r.verdict === 'active')).toBe(true)
    expect(fleet.source.queries).toBe(1)

    const started = Date.now()
    expect(await fleet.instances[1]!.revoke(user)).toEqual({ cache: 'updated', broadcast: 'sent' })
    await waitFor(async () => (await Promise.all(fleet.instances.map((c) => c.validate(user, { issuedAt })))).every((r) => r.verdict === 'revoked'),
      { timeoutMs: 1_000, intervalMs: 5, what: 'every instance to answer revoked' })
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(fleet.instances[0]!.stats().broadcasts.received).toBeGreaterThan(0)
  })

  it('serverless mode (no subscription): a short L1 TTL bounds lockout instead', async () => {
    const l1TtlMs = 300
    const fleet = startFleet(2, { store: upstash(false), l1Ttl: l1TtlMs })
    const [a, b] = fleet.instances as [NonNullable<typeof fleet.instances[0]>, NonNullable<typeof fleet.instances[0]>]
    const user = fleet.source.add(randomUUID())
    await fleet.ready()
    const issuedAt = Date.now() - 60_000
    await a.validate(user, { issuedAt })
    expect(await b.validate(user, { issuedAt })).toMatchObject({ verdict: 'active', tier: 'l2' })
    const revokedAt = Date.now()
    await a.revoke(user)
    await waitFor(async () => (await b.validate(user, { issuedAt })).verdict === 'revoked', { timeoutMs: 2_000, intervalMs: 10, what: 'b to see the revocation through L2' })
    expect(Date.now() - revokedAt).toBeLessThanOrEqual(l1TtlMs + 250)
    expect(b.stats().broadcasts.received).toBe(0)
  })

  it('keeps validating from the source while the REST API answers 500, and uses L2 again after', async () => {
    const fleet = startFleet(2, { store: upstash(), ttl: 200 })
    const [a, b] = fleet.instances as [NonNullable<typeof fleet.instances[0]>, NonNullable<typeof fleet.instances[0]>]
    await fleet.ready()
    bridge.setFault({ status: 500 })
    const users = Array.from({ length: 10 }, () => fleet.source.add(randomUUID()))
    const banned = fleet.source.add(randomUUID(), { bannedUntil: Date.now() + 60_000 })
    const results = await Promise.all(users.map((u) => a.validate(u)))
    expect(results.every((r) => r.verdict === 'active' && r.tier === 'source')).toBe(true)
    expect((await a.validate(banned)).verdict).toBe('banned') // the fault lets no banned user in
    expect(a.stats().breaker).toBe('open')
    bridge.setFault(null)
    await waitFor(async () => {
      const fresh = fleet.source.add(randomUUID())
      await a.validate(fresh)
      return (await b.validate(fresh)).tier === 'l2'
    }, { timeoutMs: 5_000, intervalMs: 100, what: 'L2 to serve again' })
  })

  it('answers from the source within its store timeout when the REST API is slow', async () => {
    const fleet = startFleet(1, { store: upstash(), storeTimeout: 200 })
    const cache = fleet.instances[0]!
    await fleet.ready()
    bridge.setFault({ delayMs: 2_000 })
    const user = fleet.source.add(randomUUID())
    const banned = fleet.source.add(randomUUID(), { bannedUntil: Date.now() + 60_000 })
    const started = performance.now()
    expect(await cache.validate(user)).toMatchObject({ verdict: 'active', tier: 'source' })
    expect(performance.now() - started).toBeLessThan(1_500) // GET and lock each cut at 200 ms, not 2 s
    expect((await cache.validate(banned)).verdict).toBe('banned')
    expect(cache.stats().store.timeouts).toBeGreaterThan(0)
  })
})
