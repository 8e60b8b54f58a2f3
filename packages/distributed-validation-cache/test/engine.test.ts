import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { encodeEntry } from '../src/tiers/entry.js'
import { entryKey } from '../src/tiers/keys.js'
import { startFleet } from './support/fleet.js'
import { waitFor } from './support/redis-server.js'
import { REDIS_URL, redisAvailable } from './support/services.js'

const redisUp = await redisAvailable()

describe.skipIf(!redisUp)('validation engine on real Redis', () => {
  let redis: Redis
  beforeAll(() => void (redis = new Redis(REDIS_URL)))
  afterAll(() => redis.quit())

  it('3 instances × 200 concurrent validations of one cold user query the source exactly once', async () => {
    const fleet = startFleet(3)
    const user = fleet.source.add(randomUUID())
    fleet.source.latencyMs = 25 // a real store's round trip, so the requests truly overlap
    await fleet.ready()
    const results = await Promise.all(
      fleet.instances.flatMap((cache) =>
        Array.from({ length: 200 }, () => cache.validate(user, { issuedAt: Date.now() })),
      ),
    )
    expect(fleet.source.queries).toBe(1)
    expect(results).toHaveLength(600)
    expect(results.every((r) => r.valid && r.verdict === 'active')).toBe(true)
    // One instance answered from the source; the other two waited on the lock and read its L2 write.
    expect(new Set(results.map((r) => r.tier))).toEqual(new Set(['source', 'l2']))
    const lockWaits = fleet.instances.map((c) => c.stats().lock)
    expect(lockWaits.reduce((n, l) => n + l.acquired, 0)).toBe(1)
    expect(lockWaits.reduce((n, l) => n + l.waitedForFill, 0)).toBe(2)
    expect(fleet.instances.reduce((n, c) => n + c.stats().validations.total, 0)).toBe(600)
  })

  it('revoke on one instance makes the other two answer "revoked" within 1 s; later sessions and restore work', async () => {
    const fleet = startFleet(3)
    const user = fleet.source.add(randomUUID())
    await fleet.ready()
    const sessionIssuedAt = Date.now() - 60_000
    for (const cache of fleet.instances)
      expect((await cache.validate(user, { issuedAt: sessionIssuedAt })).verdict).toBe('active')
    for (const cache of fleet.instances)
      expect((await cache.validate(user, { issuedAt: sessionIssuedAt })).tier).toBe('l1')

    const started = Date.now()
    const outcome = await fleet.instances[0]!.revoke(user)
    expect(outcome).toEqual({ cache: 'updated', broadcast: 'sent' })
    expect(fleet.source.users.get(user)!.sessionsRevokedAt).toBeGreaterThanOrEqual(started) // persisted first
    await waitFor(
      async () => {
        const verdicts = await Promise.all(fleet.instances.map((c) => c.validate(user, { issuedAt: sessionIssuedAt })))
        return verdicts.every((v) => v.verdict === 'revoked' && !v.valid)
      },
      { timeoutMs: 1_000, intervalMs: 5, what: 'every instance to answer revoked' },
    )
    expect(Date.now() - started).toBeLessThan(1_000)

    const newSession = Date.now() + 1
    for (const cache of fleet.instances)
      expect((await cache.validate(user, { issuedAt: newSession })).verdict).toBe('active')

    await fleet.instances[2]!.restore(user)
    await waitFor(
      async () => {
        const verdicts = await Promise.all(fleet.instances.map((c) => c.validate(user, { issuedAt: sessionIssuedAt })))
        return verdicts.every((v) => v.verdict === 'active')
      },
      { timeoutMs: 1_000, intervalMs: 5, what: 'every instance to accept the old session again' },
    )
  })

  it('rejects a forged entry and an entry replayed from another user, and counts both', async () => {
    const fleet = startFleet(1)
    const [cache] = fleet.instances as [NonNullable<(typeof fleet.instances)[0]>]
    const good = fleet.source.add(randomUUID())
    const banned = fleet.source.add(randomUUID(), { bannedUntil: Date.now() + 86_400_000 })
    await cache.validate(good)
    const goodRaw = await redis.get(entryKey(fleet.prefix, good))
    expect(goodRaw).not.toBeNull()

    // Replay: the active user's genuine entry copied under the banned user's key.
    await redis.set(entryKey(fleet.prefix, banned), goodRaw!, 'PX', 60_000)
    const replayed = await cache.validate(banned)
    expect(replayed).toMatchObject({ verdict: 'banned', tier: 'source' })

    // Forgery: well-formed, plausible, signed with the wrong key.
    const victim = fleet.source.add(randomUUID(), { deleted: true })
    const forged = await encodeEntry('not-the-fleet-secret', victim, {
      state: { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null },
      checkedAt: Date.now(),
      freshUntil: Date.now() + 60_000,
    })
    await redis.set(entryKey(fleet.prefix, victim), forged, 'PX', 60_000)
    expect(await cache.validate(victim)).toMatchObject({ verdict: 'deleted', tier: 'source' })

    expect(cache.stats().tampered).toEqual({ badSignature: 2, corrupt: 0 })
    expect(fleet.source.queries).toBe(3)
  })

  it('treats a corrupt L2 value as a miss, never a crash', async () => {
    const fleet = startFleet(1)
    const cache = fleet.instances[0]!
    const corrupt = ['not json', '[1,2,3]', '\u0000\u0001', '{"exists":true}', '[1,1,0,null,null,"x",1,"sig"]', '']
    for (const value of corrupt) {
      const user = fleet.source.add(randomUUID())
      await redis.set(entryKey(fleet.prefix, user), value, 'PX', 60_000)
      expect(await cache.validate(user)).toMatchObject({ verdict: 'active', tier: 'source' })
    }
    expect(cache.stats().tampered).toEqual({ badSignature: 0, corrupt: corrupt.length })
  })

  it.each(['throw', 'hang'] as const)(
    'a source that starts to %s yields stale within grace, then unavailable — never a negative verdict',
    async (mode) => {
      const fleet = startFleet(2, { ttl: 150, grace: 600, sourceTimeout: 100 })
      const [a, b] = fleet.instances as [
        NonNullable<(typeof fleet.instances)[0]>,
        NonNullable<(typeof fleet.instances)[0]>,
      ]
      const user = fleet.source.add(randomUUID())
      expect(await a.validate(user)).toMatchObject({ verdict: 'active', tier: 'source' })
      fleet.source.mode = mode
      const stale = await waitFor(
        async () => {
          const r = await a.validate(user)
          return r.tier === 'stale' ? r : undefined
        },
        { timeoutMs: 2_000, what: 'the entry to go stale' },
      )
      expect(stale?.verdict).toBe('active')
      // Instance b never saw this user: it serves the fleet's stale L2 entry, not "unavailable".
      expect(await b.validate(user)).toMatchObject({ verdict: 'active', tier: 'stale' })

      const after = await waitFor(
        async () => {
          const r = await a.validate(user)
          return r.tier !== 'stale' ? r : undefined
        },
        { timeoutMs: 2_000, what: 'grace to run out' },
      )
      expect(after).toMatchObject({ verdict: 'unavailable', valid: false, tier: 'none' })
      const verdicts = Object.entries(a.stats().validations.byVerdict)
        .filter(([, n]) => n > 0)
        .map(([v]) => v)
      expect(verdicts.sort()).toEqual(['active', 'unavailable'])
      expect(a.stats().source[mode === 'throw' ? 'errors' : 'timeouts']).toBeGreaterThan(0)

      // The source breaker spared the failing store repeated queries…
      expect(a.stats().source.breakerOpened).toBeGreaterThan(0)
      const queriesWhileFailing = fleet.source.queries
      fleet.source.mode = 'ok'
      // …and probes it again after its cooldown; the error was never cached as a verdict.
      const recovered = await waitFor(
        async () => {
          const r = await a.validate(user)
          return r.verdict === 'active' ? r : undefined
        },
        { timeoutMs: 3_000, intervalMs: 50, what: 'the source to be probed again' },
      )
      expect(recovered.tier).toBe('source')
      expect(fleet.source.queries).toBeGreaterThan(queriesWhileFailing)
    },
  )

  it('rejects bad ids with a typed error before touching the store or the source', async () => {
    const fleet = startFleet(1)
    const cache = fleet.instances[0]!
    const bad: unknown[] = [
      '',
      42,
      null,
      undefined,
      {},
      ['id'],
      'x'.repeat(10_000),
      'not-a-uuid',
      `${randomUUID()}}`,
      `{${randomUUID()}}`,
    ]
    for (const id of bad) await expect(cache.validate(id)).rejects.toMatchObject({ name: 'InvalidUserIdError' })
    await expect(cache.revoke('nope')).rejects.toMatchObject({ name: 'InvalidUserIdError' })
    expect(cache.stats().store.commands).toBe(0)
    expect(fleet.source.queries).toBe(0)
  })
})
