import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { ValidationResult } from '../src/cache.js'
import { startFleet } from './support/fleet.js'
import { OwnRedisServer, waitFor } from './support/redis-server.js'
import { redisAvailable } from './support/services.js'

// Needs only the redis-server binary, but the same gate keeps CI honest about Redis being there.
const redisUp = await redisAvailable()

describe.skipIf(!redisUp)('Redis failure is not a user failure', () => {
  let server: OwnRedisServer | undefined
  afterEach(async () => {
    await server?.stop()
    server = undefined
  })

  it('keeps answering while its Redis is killed mid-run, then uses L2 again after a restart', async () => {
    server = await OwnRedisServer.start()
    // A short TTL keeps the store in play: with L1 fresh for minutes, an outage would go unnoticed.
    const fleet = startFleet(2, { redisUrl: server.url, storeTimeout: 100, ttl: 200, negativeTtl: 200 })
    const [a, b] = fleet.instances as [
      NonNullable<(typeof fleet.instances)[0]>,
      NonNullable<(typeof fleet.instances)[0]>,
    ]
    const active = Array.from({ length: 20 }, () => fleet.source.add(randomUUID()))
    const banned = fleet.source.add(randomUUID(), { bannedUntil: Date.now() + 3_600_000 })
    await fleet.ready()
    for (const user of active.slice(0, 10)) await a.validate(user) // warm half of them

    const results: ValidationResult[] = []
    const startedAt: number[] = [] // per result: when its pair of lookups began
    const failures: unknown[] = []
    let running = true
    const stopAt = Date.now() + 15_000 // bounded even if an assertion below never lets it stop
    const load = (async () => {
      for (let i = 0; running && Date.now() < stopAt; i++) {
        const cache = i % 2 ? a : b
        const started = performance.now()
        await Promise.all([cache.validate(active[i % active.length]!), cache.validate(banned)]).then(
          (r) => (results.push(...r), startedAt.push(started, started)),
          (e) => failures.push(e),
        )
        // L1 hits resolve without I/O: yield so timers (and the test) get to run.
        await new Promise((resolve) => setImmediate(resolve))
      }
    })()
    await waitFor(() => results.length > 100, { what: 'load before the kill' })
    await server.kill()
    const killedAt = results.length
    const killedTime = performance.now()
    await waitFor(() => a.stats().breaker === 'open' && b.stats().breaker === 'open', { what: 'both breakers to open' })
    // Until L1 entries expire (200 ms) no store call is made, so wait for one the breaker spared, not for a count
    // of answers that a fast machine gives from L1 alone.
    await waitFor(() => results.length > killedAt + 200 && a.stats().store.shortCircuited > 0, {
      what: 'answers while Redis is down, and a store call the open breaker spared',
    })
    running = false
    await load

    expect(failures).toEqual([])
    // Lookups begun after the kill: a pair begun before it may end after it with an L2 answer read in time.
    const duringOutage = results.filter((_, n) => startedAt[n]! > killedTime)
    expect(duringOutage.length).toBeGreaterThan(100)
    expect(duringOutage.filter((r) => r.verdict === 'unavailable')).toEqual([])
    expect(new Set(duringOutage.map((r) => r.tier))).not.toContain('l2')
    for (const r of results) expect(r.verdict).toBe(r.valid ? 'active' : 'banned') // no banned user let in, no active user shut out
    expect(results.filter((r) => !r.valid)).toHaveLength(results.length / 2)

    await server.start() // same port: the clients reconnect by themselves
    await waitFor(
      async () => {
        const fresh = fleet.source.add(randomUUID())
        await a.validate(fresh) // writes L2 once the breaker lets calls through again
        return (await b.validate(fresh)).tier === 'l2'
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'L2 to serve again after the restart' },
    )
    expect(a.stats().breaker).toBe('closed')
  })

  it('answers within the store timeout when Redis hangs (SIGSTOP), and recovers on SIGCONT', async () => {
    server = await OwnRedisServer.start()
    const fleet = startFleet(1, { redisUrl: server.url, storeTimeout: 100 })
    const cache = fleet.instances[0]!
    const user = fleet.source.add(randomUUID())
    const banned = fleet.source.add(randomUUID(), { bannedUntil: Date.now() + 60_000 })
    await fleet.ready()
    server.pause()
    const started = performance.now()
    const result = await cache.validate(user)
    const elapsed = performance.now() - started
    expect(result).toMatchObject({ verdict: 'active', tier: 'source' })
    expect((await cache.validate(banned)).verdict).toBe('banned')
    // get + lock, each bounded by the 100 ms store timeout; nothing waits for Redis to wake up.
    expect(elapsed).toBeLessThan(1_000)
    expect(cache.stats().store.timeouts).toBeGreaterThan(0)
    server.resume()
    await waitFor(
      async () => (await cache.validate(fleet.source.add(randomUUID())), cache.stats().breaker === 'closed'),
      { timeoutMs: 10_000, intervalMs: 100, what: 'breaker to close' },
    )
  })

  it('a revocation made while Redis is down is pending, then written once Redis is back', async () => {
    // Persisted to disk, so the pre-revocation entry survives the restart, as on a real server.
    server = await OwnRedisServer.start(['--appendonly', 'yes', '--appendfsync', 'always'])
    const fleet = startFleet(2, { redisUrl: server.url, storeTimeout: 100 })
    const [a, b] = fleet.instances as [
      NonNullable<(typeof fleet.instances)[0]>,
      NonNullable<(typeof fleet.instances)[0]>,
    ]
    const user = fleet.source.add(randomUUID())
    const issuedAt = Date.now() - 1_000
    await fleet.ready()
    await a.validate(user, { issuedAt }) // L2 now holds the unrevoked state for the TTL
    await server.kill()
    const outcome = await a.revoke(user)
    expect(outcome).toEqual({ cache: 'pending', broadcast: 'failed' })
    expect(fleet.source.users.get(user)!.sessionsRevokedAt).not.toBeNull() // durable regardless
    expect((await a.validate(user, { issuedAt })).verdict).toBe('revoked')
    await server.start()
    await waitFor(() => a.stats().pendingInvalidations === 0, {
      timeoutMs: 10_000,
      what: 'the pending write to be replayed without any traffic',
    })
    // Had the stale L2 entry survived, b would read it as "active" for the rest of the TTL.
    expect(await b.validate(user, { issuedAt })).toMatchObject({ verdict: 'revoked', tier: 'source' })
  })

  it('an instance started while Redis is down subscribes once Redis is up, and trusts L1 only briefly until then', async () => {
    server = await OwnRedisServer.start()
    await server.kill()
    const fleet = startFleet(2, { redisUrl: server.url, storeTimeout: 100 })
    const [a, b] = fleet.instances as [
      NonNullable<(typeof fleet.instances)[0]>,
      NonNullable<(typeof fleet.instances)[0]>,
    ]
    await fleet.ready() // bounded: does not wait for a Redis that is down
    expect(await b.sync()).toBe(false) // the change log cannot be read: no proof
    expect(b.stats()).toMatchObject({ listening: false, l1: { ttlMs: 1_000 } })
    await server.start()
    await waitFor(() => a.stats().listening && b.stats().listening, {
      timeoutMs: 10_000,
      intervalMs: 50,
      what: 'both to subscribe',
    })
    await waitFor(() => b.sync(), { timeoutMs: 5_000, intervalMs: 50, what: 'a proof from the change log' }) // the breaker may still be cooling
    expect(b.stats().l1.ttlMs).toBe(300_000)
    const user = fleet.source.add(randomUUID())
    const issuedAt = Date.now() - 60_000
    expect((await b.validate(user, { issuedAt })).verdict).toBe('active')
    await a.revoke(user)
    await waitFor(async () => (await b.validate(user, { issuedAt })).verdict === 'revoked', {
      timeoutMs: 1_000,
      intervalMs: 5,
      what: 'b to hear the broadcast',
    })
    expect(b.stats().broadcasts.received).toBeGreaterThan(0)
  })
})
