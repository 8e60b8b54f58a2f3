import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startBridge, type Bridge } from 'upstash-rest-bridge'
import type { ValidationCache } from '../src/cache.js'
import type { Duration } from '../src/config/duration.js'
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
  const upstash =
    (subscribe = true) =>
    () =>
      upstashStore({ url: bridge.url, token: bridge.token, timeoutMs: 300, subscribe })

  it('shares one source query across 3 instances and revokes on all of them within 1 s over SSE', async () => {
    const fleet = startFleet(3, { store: upstash() })
    const user = fleet.source.add(randomUUID())
    fleet.source.latencyMs = 25
    await fleet.ready()
    const issuedAt = Date.now() - 60_000
    const results = await Promise.all(
      fleet.instances.flatMap((c) => Array.from({ length: 50 }, () => c.validate(user, { issuedAt }))),
    )
    expect(results.every((r) => r.verdict === 'active')).toBe(true)
    expect(fleet.source.queries).toBe(1)

    const started = Date.now()
    expect(await fleet.instances[1]!.revoke(user)).toEqual({ cache: 'updated', broadcast: 'sent' })
    await waitFor(
      async () =>
        (await Promise.all(fleet.instances.map((c) => c.validate(user, { issuedAt })))).every(
          (r) => r.verdict === 'revoked',
        ),
      { timeoutMs: 1_000, intervalMs: 5, what: 'every instance to answer revoked' },
    )
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(fleet.instances[0]!.stats().broadcasts.received).toBeGreaterThan(0)
  })

  /**
   * Serverless (no subscription), 3 instances, a 60 s TTL, B and C serving warm users while A bans
   * five of them: the lockout on both, and the store commands per request. `l1Ttl: "1 s"` is what
   * serverless deployments were told to set before the change log; the default now reads the log.
   */
  async function serverlessRun(options: { l1Ttl?: Duration }) {
    const fleet = startFleet(3, { store: upstash(false), ttl: '60 s', ...options })
    const [a, b, c] = fleet.instances as [ValidationCache, ValidationCache, ValidationCache]
    const users = Array.from({ length: 40 }, () => fleet.source.add(randomUUID()))
    for (const user of users) for (const instance of [b, c]) await instance.validate(user)
    const before = [b, c].map((i) => ({ commands: i.stats().store.commands, validations: i.stats().validations.total }))
    let serving = true
    const traffic = [b, c].map(async (instance) => {
      for (let i = 0; serving; i++) {
        await instance.validate(users[i % users.length]!)
        await new Promise((resolve) => setTimeout(resolve, 2))
      }
    })
    // Five bans, one every 600 ms: the run lasts ~3 s, past the 1 s L1 TTL of the old advice.
    const lockouts: number[] = []
    for (const user of users.slice(0, 5)) {
      const next = performance.now() + 600
      fleet.source.update(user, { bannedUntil: Date.now() + 3_600_000 })
      const bannedAt = performance.now()
      await a.refresh(user)
      await waitFor(
        async () => (await b.validate(user)).verdict === 'banned' && (await c.validate(user)).verdict === 'banned',
        { timeoutMs: 3_000, intervalMs: 5, what: 'B and C to refuse' },
      )
      lockouts.push(Math.round(performance.now() - bannedAt))
      await waitFor(() => performance.now() >= next, { intervalMs: 10 })
    }
    serving = false
    await Promise.all(traffic)
    const [cb, cc] = [b, c].map((i, n) => ({
      commands: i.stats().store.commands - before[n]!.commands,
      validations: i.stats().validations.total - before[n]!.validations,
    }))
    return {
      lockouts,
      perRequest: (cb!.commands + cc!.commands) / (cb!.validations + cc!.validations),
      broadcasts: b.stats().broadcasts.received,
    }
  }

  it('serverless mode: the change log bounds lockout under a second at a third of the commands of a 1 s L1 TTL', async () => {
    const before = await serverlessRun({ l1Ttl: '1 s' })
    const after = await serverlessRun({})
    console.log(
      `serverless, l1Ttl "1 s": lockout ${before.lockouts.join('/')} ms, ${before.perRequest.toFixed(3)} commands per request`,
    )
    console.log(
      `serverless, change log: lockout ${after.lockouts.join('/')} ms, ${after.perRequest.toFixed(3)} commands per request`,
    )
    expect(Math.max(...after.lockouts)).toBeLessThan(1_500) // the target is p99 < 500 ms (pnpm bench)
    expect(after.perRequest).toBeLessThan(before.perRequest / 3)
    expect(after.broadcasts).toBe(0) // nothing subscribed: the log did it
  }, 60_000)

  it('keeps validating from the source while the REST API answers 500, and uses L2 again after', async () => {
    const fleet = startFleet(2, { store: upstash(), ttl: 200 })
    const [a, b] = fleet.instances as [
      NonNullable<(typeof fleet.instances)[0]>,
      NonNullable<(typeof fleet.instances)[0]>,
    ]
    await fleet.ready()
    bridge.setFault({ status: 500 })
    const users = Array.from({ length: 10 }, () => fleet.source.add(randomUUID()))
    const banned = fleet.source.add(randomUUID(), { bannedUntil: Date.now() + 60_000 })
    const results = await Promise.all(users.map((u) => a.validate(u)))
    expect(results.every((r) => r.verdict === 'active' && r.tier === 'source')).toBe(true)
    expect((await a.validate(banned)).verdict).toBe('banned') // the fault lets no banned user in
    // The failures were seen: an instance that never read the log believes no L2 at all meanwhile
    // (issue 10), so few store calls are even tried — too few, sometimes, to open the breaker.
    expect(a.stats().store.errors).toBeGreaterThan(0)
    expect(a.stats().liveness.proven).toBe(false)
    bridge.setFault(null)
    await waitFor(
      async () => {
        const fresh = fleet.source.add(randomUUID())
        await a.validate(fresh)
        return (await b.validate(fresh)).tier === 'l2'
      },
      { timeoutMs: 5_000, intervalMs: 100, what: 'L2 to serve again' },
    )
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
