import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ValidationCache } from '../src/cache.js'
import { decodeEntry } from '../src/tiers/entry.js'
import { entryKey, lockKey } from '../src/tiers/keys.js'
import { redisStore } from '../src/stores/redis.js'
import { startFleet } from './support/fleet.js'
import { waitFor } from './support/redis-server.js'
import { REDIS_URL, redisAvailable } from './support/services.js'

const redisUp = await redisAvailable()

/** Races and partial failures around revoke()/refresh(), on real Redis. */
describe.skipIf(!redisUp)('revocation under races and partial failure', () => {
  let redis: Redis
  beforeAll(() => void (redis = new Redis(REDIS_URL)))
  afterAll(() => redis.quit())
  const l2State = async (prefix: string, secret: string, user: string) => {
    const raw = await redis.get(entryKey(prefix, user))
    const decoded = raw === null ? undefined : await decodeEntry(secret, user, raw)
    return decoded?.ok ? decoded.entry.state : undefined
  }

  it('refresh() after a ban made in the user source locks the user out on every instance within 1 s', async () => {
    const fleet = startFleet(3)
    const user = fleet.source.add(randomUUID())
    await fleet.ready()
    for (const cache of fleet.instances) expect((await cache.validate(user)).verdict).toBe('active')
    fleet.source.update(user, { bannedUntil: Date.now() + 3_600_000 }) // e.g. in the Supabase dashboard
    const started = Date.now()
    expect(await fleet.instances[0]!.refresh(user)).toEqual({ cache: 'updated', broadcast: 'sent' })
    await waitFor(
      async () =>
        (await Promise.all(fleet.instances.map((c) => c.validate(user)))).every((r) => r.verdict === 'banned'),
      { timeoutMs: 1_000, intervalMs: 5, what: 'every instance to answer banned' },
    )
    expect(Date.now() - started).toBeLessThan(1_000)
  })

  // Two defences cover this race, each enough alone: the fleet lock orders the writes, and the
  // broadcast marks the user so a lookup that began before it neither writes L2 nor fills L1.
  it('a lookup in flight on another instance when revoke() starts cannot overwrite the revocation', async () => {
    const fleet = startFleet(3)
    const [a, b, c] = fleet.instances as [
      NonNullable<(typeof fleet.instances)[0]>,
      NonNullable<(typeof fleet.instances)[0]>,
      NonNullable<(typeof fleet.instances)[0]>,
    ]
    const user = fleet.source.add(randomUUID())
    const issuedAt = Date.now() - 60_000
    await fleet.ready()
    fleet.source.latencyMs = 150 // a's lookup reads the pre-revocation state, then answers late
    const inFlight = a.validate(user, { issuedAt })
    await waitFor(() => fleet.source.queries === 1, { what: "a's lookup to reach the source" })
    fleet.source.latencyMs = 0
    await b.revoke(user) // waits for a's fleet lock, so its write lands after a's
    expect((await inFlight).verdict).toBe('active') // answered before the revocation existed
    expect((await l2State(fleet.prefix, fleet.secret, user))?.sessionsRevokedAt).not.toBeNull()
    for (const cache of [a, b, c]) {
      await waitFor(async () => (await cache.validate(user, { issuedAt })).verdict === 'revoked', {
        timeoutMs: 1_000,
        what: 'revoked everywhere',
      })
    }
  })

  it('a lookup in flight on the revoking instance itself does not refill L1 or L2 with the old state', async () => {
    const fleet = startFleet(1)
    const cache = fleet.instances[0]!
    const user = fleet.source.add(randomUUID())
    const issuedAt = Date.now() - 60_000
    fleet.source.latencyMs = 100
    const inFlight = cache.validate(user, { issuedAt })
    await waitFor(() => fleet.source.queries === 1, { what: 'the lookup to reach the source' })
    const revoked = cache.revoke(user)
    await inFlight
    fleet.source.latencyMs = 0
    await revoked
    expect((await l2State(fleet.prefix, fleet.secret, user))?.sessionsRevokedAt).not.toBeNull()
    expect(await cache.validate(user, { issuedAt })).toMatchObject({ verdict: 'revoked', tier: 'l1' })
  })

  it('a revocation waiting for a lock a stuck instance holds still tells the fleet at once', async () => {
    const fleet = startFleet(3, { ttl: '60 s' })
    const [, b, c] = fleet.instances as [ValidationCache, ValidationCache, ValidationCache]
    await fleet.ready()
    const user = fleet.source.add(randomUUID())
    expect((await c.validate(user)).tier).toBe('source') // in C's L1 now
    // Instance A took the user's fleet lock to fill a miss, then froze (or waits on a slow source).
    await redis.set(lockKey(fleet.prefix, user), '1', 'PX', 3_000)
    fleet.source.update(user, { bannedUntil: Date.now() + 3_600_000 })
    const refreshed = b.refresh(user) // waits for the lock
    await waitFor(() => c.stats().broadcasts.received > 0, {
      timeoutMs: 1_000,
      what: 'C to hear of the change before the lock frees',
    })
    // C no longer answers from its copy: its answer waits for the lock too, and is the ban.
    const answered = performance.now()
    expect((await c.validate(user)).verdict).toBe('banned')
    console.log(`C answered ${Math.round(performance.now() - answered)} ms later, once the stuck lock expired`)
    expect(await refreshed).toEqual({ cache: 'updated', broadcast: 'sent' })
  })

  it('a broadcast that fails after the L2 write is retried until the other instances hear it', async () => {
    // A Redis user that may do everything but PUBLISH: the L2 write succeeds, the broadcast fails.
    const username = `dvc-test-${randomUUID().slice(0, 8)}`
    await redis.call('ACL', 'SETUSER', username, 'on', '>test-password', '~*', '&*', '+@all', '-publish')
    try {
      const fleet = startFleet(2, {
        store: () => redisStore(`redis://${username}:test-password@127.0.0.1:${new URL(REDIS_URL).port || 6379}`),
      })
      const [a, b] = fleet.instances as [
        NonNullable<(typeof fleet.instances)[0]>,
        NonNullable<(typeof fleet.instances)[0]>,
      ]
      const user = fleet.source.add(randomUUID())
      const issuedAt = Date.now() - 60_000
      await fleet.ready()
      expect((await b.validate(user, { issuedAt })).verdict).toBe('active') // now in b's L1
      expect(await a.revoke(user)).toEqual({ cache: 'pending', broadcast: 'failed' })
      expect(a.stats().pendingInvalidations).toBe(1)
      expect((await b.validate(user, { issuedAt })).tier).toBe('l1') // b has heard nothing yet
      await redis.call('ACL', 'SETUSER', username, '+publish')
      // b may learn it from the change log before the broadcast is retried; either way, and the retry drains.
      await waitFor(async () => (await b.validate(user, { issuedAt })).verdict === 'revoked', {
        timeoutMs: 3_000,
        what: 'b to refuse',
      })
      await waitFor(() => a.stats().pendingInvalidations === 0, { timeoutMs: 3_000, what: 'the retried broadcast' })
    } finally {
      await redis.call('ACL', 'DELUSER', username)
    }
  })
})
