import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import type { ValidationCache } from '../src/cache.js'
import { entryKey, invalidationChannel } from '../src/tiers/keys.js'
import { startFleet } from './support/fleet.js'
import { waitFor } from './support/redis-server.js'
import { REDIS_URL, redisAvailable } from './support/services.js'

const redisUp = await redisAvailable()

/**
 * An instance refuses a state older than one it has seen of that user, but it remembers at most
 * `l1MaxSize` users. Whoever can read and write Redis (no secret) records signed broadcasts and
 * republishes them about many users, pushing a banned user out of that memory, then writes back
 * the user's saved pre-ban entry with one old broadcast about them. Real Redis, l1MaxSize 50.
 */
describe.skipIf(!redisUp)('pushing a banned user out of the order memory', () => {
  let redis: Redis
  beforeAll(() => void (redis = new Redis(REDIS_URL)))
  afterAll(() => redis?.quit())

  it('readmits no one: a user pushed out is judged by the eviction floor, an old broadcast is ignored', async () => {
    const fleet = startFleet(2, { ttl: '60 s', l1MaxSize: 50 })
    const [a, b] = fleet.instances as [ValidationCache, ValidationCache]
    await fleet.ready()
    // The attacker's recorder: every broadcast, as it went by (signed; the wire form is plain JSON).
    const recorder = new Redis(REDIS_URL)
    onTestFinished(() => void recorder.disconnect())
    const recorded: string[] = []
    recorder.on('message', (_channel: string, message: string) => recorded.push(message))
    await recorder.subscribe(invalidationChannel(fleet.prefix))
    const about = (user: string) => (message: string) => (JSON.parse(message) as unknown[])[1] === user

    const user = fleet.source.add(randomUUID())
    await a.refresh(user) // its broadcast carries the order of the "active" entry it wrote
    await waitFor(() => recorded.filter(about(user)).length >= 2, { what: 'the broadcasts about the user recorded' })
    const oldBroadcast = recorded.find((m) => about(user)(m) && (JSON.parse(m) as unknown[])[4] !== '')!
    const saved = (await redis.get(entryKey(fleet.prefix, user)))!
    expect((await b.validate(user, { issuedAt: Date.now() })).verdict).toBe('active')
    const others = Array.from({ length: 150 }, () => fleet.source.add(randomUUID()))
    for (const other of others) await a.refresh(other) // ordinary changes, each broadcast recorded
    await waitFor(() => recorded.length >= 2 * (others.length + 1), { what: 'every broadcast recorded' })

    fleet.source.update(user, { bannedUntil: Date.now() + 3_600_000 })
    await a.refresh(user)
    await waitFor(async () => (await b.validate(user, { issuedAt: Date.now() })).verdict === 'banned', {
      timeoutMs: 3_000,
      what: 'the ban on B',
    })

    // The attack: 300 recorded broadcasts about 150 others, then the saved entry and an old broadcast.
    const pushes = recorded.filter((m) => !about(user)(m))
    const heard = b.stats().broadcasts.received
    const pipeline = redis.pipeline()
    for (const message of pushes) pipeline.publish(invalidationChannel(fleet.prefix), message)
    await pipeline.exec()
    await redis.set(entryKey(fleet.prefix, user), saved, 'PX', 60_000)
    await redis.publish(invalidationChannel(fleet.prefix), oldBroadcast)
    await waitFor(() => b.stats().broadcasts.received >= heard + pushes.length + 1, {
      timeoutMs: 3_000,
      what: 'B to hear every republished broadcast',
    })
    const refusedBefore = b.stats().fleetLog.olderRefused
    const result = await b.validate(user, { issuedAt: Date.now() })
    console.log(
      `push-out: ${pushes.length} broadcasts republished; B answered`,
      result.verdict,
      `from ${result.tier}; older states refused: ${b.stats().fleetLog.olderRefused - refusedBefore}`,
    )
    expect(result).toMatchObject({ verdict: 'banned', tier: 'source' })
    expect(b.stats().fleetLog.olderRefused).toBeGreaterThan(refusedBefore)
    expect((await b.validate(user, { issuedAt: Date.now() })).verdict).toBe('banned')
  })
})
