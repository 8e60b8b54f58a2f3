import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ValidationCache } from '../src/cache.js'
import { lockKey } from '../src/tiers/keys.js'
import { startFleet } from './support/fleet.js'
import { REDIS_URL, redisAvailable } from './support/services.js'

const redisUp = await redisAvailable()

/**
 * A Redis writer who sets a user's fleet lock and keeps it (a long PX) must not hold the user out:
 * an honest holder lets go within the lock's TTL, so past twice that a waiter asks the source
 * itself. It costs one query per stuck lookup, never a verdict nor an endless wait.
 */
describe.skipIf(!redisUp)('a lock someone else holds for good', () => {
  let redis: Redis
  beforeAll(() => void (redis = new Redis(REDIS_URL)))
  afterAll(() => redis?.quit())

  it('is waited out for twice the lock TTL, then the source is asked: the answer is the true state', async () => {
    // lockTtl = source timeout + 3 store timeouts + 1 s = 1.6 s here.
    const fleet = startFleet(1, { ttl: '60 s', sourceTimeout: 300, storeTimeout: 100 })
    const [cache] = fleet.instances as [ValidationCache]
    await fleet.ready()
    const user = fleet.source.add(randomUUID(), { bannedUntil: Date.now() + 3_600_000 })
    await redis.set(lockKey(fleet.prefix, user), 'attacker', 'PX', 3_600_000)
    const started = performance.now()
    const result = await cache.validate(user)
    const waitedMs = performance.now() - started
    console.log(`forged lock: answered ${result.verdict} from ${result.tier} after ${waitedMs.toFixed(0)} ms`)
    expect(result).toMatchObject({ verdict: 'banned', tier: 'source' })
    expect(waitedMs).toBeLessThan(6_000) // 2 × 1.6 s, with room
    expect(fleet.source.queries).toBe(1)
    expect(cache.stats().lock.tookOver).toBe(1)
  })
})
