import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ValidationCache } from '../src/cache.js'
import { encodeBeat } from '../src/fleet/heartbeat.js'
import { redisStore } from '../src/stores/redis.js'
import { invalidationChannel } from '../src/tiers/keys.js'
import { startFleet } from './support/fleet.js'
import { OwnRedisServer, waitFor } from './support/redis-server.js'
import { redisAvailable } from './support/services.js'

const redisUp = await redisAvailable()

/**
 * Issue 17, item 3: liveness at a cost independent of the fleet's size. One instance leads (a
 * lease) and beats; listening instances prove themselves by the beats they hear. Counted by a
 * redis-server of the test's own (INFO commandstats): the log reads (XRANGE) and beats (the beat
 * script's XREVRANGE) of a busy, quiet fleet.
 */
describe.skipIf(!redisUp)('the fleet heartbeat', () => {
  let server: OwnRedisServer
  let redis: Redis
  beforeAll(async () => {
    server = await OwnRedisServer.start()
    redis = new Redis(server.url)
  })
  afterAll(async () => {
    await redis?.quit()
    await server?.stop()
  })

  const calls = async () => {
    const stats = await redis.info('commandstats')
    const of = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0)
    return { reads: of('xrange'), beats: of('xrevrange') }
  }

  /** A busy fleet: every instance validates its warm users (L1 entries past the short window) for `ms`. */
  async function serve(fleet: ValidationCache[], users: string[], ms: number) {
    const until = performance.now() + ms
    while (performance.now() < until) {
      await Promise.all(fleet.flatMap((cache) => users.map((user) => cache.validate(user, { issuedAt: Date.now() }))))
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
  }

  async function busyQuietFleet(size: number) {
    const fleet = startFleet(size, { ttl: '60 s', store: () => redisStore(server.url) })
    await fleet.ready()
    const users = Array.from({ length: 5 }, () => fleet.source.add(randomUUID()))
    await serve(fleet.instances, users, 4_000) // warm: entries age past 1 s, a leader takes the lease
    return { fleet, users }
  }

  it('a quiet, busy fleet of 6 proves itself with one beat per 750 ms for all of it', async () => {
    const { fleet, users } = await busyQuietFleet(6)
    const before = await calls()
    const started = performance.now()
    let allProven = true
    const until = performance.now() + 3_000
    while (performance.now() < until) {
      await serve(fleet.instances, users, 100)
      allProven &&= fleet.instances.every((c) => c.stats().liveness.proven)
    }
    const seconds = (performance.now() - started) / 1_000
    const after = await calls()
    const reads = (after.reads - before.reads) / seconds
    const beats = (after.beats - before.beats) / seconds
    const states = fleet.instances.map((c) => c.stats().liveness.heartbeat)
    console.log(
      `6 busy listening instances: ${beats.toFixed(2)} beats/s and ${reads.toFixed(2)} log reads/s for the whole ` +
        `fleet (before the heartbeat: ~1.25 reads/s per instance); heartbeat states ${states.join(', ')}`,
    )
    expect(states.filter((s) => s === 'leading')).toHaveLength(1)
    expect(states.filter((s) => s === 'following')).toHaveLength(5)
    expect(allProven, 'every instance held its proof throughout').toBe(true)
    expect(beats + reads, 'liveness commands per second, fleet-wide').toBeLessThan(3)
  })

  it('a change costs each follower one read, and reaches every instance', async () => {
    const { fleet, users } = await busyQuietFleet(3)
    const [a, ...others] = fleet.instances as [ValidationCache, ...ValidationCache[]]
    const user = users[0]!
    fleet.source.update(user, { bannedUntil: Date.now() + 3_600_000 })
    const before = await calls()
    await a.refresh(user)
    for (const cache of others)
      await waitFor(async () => (await cache.validate(user)).verdict === 'banned', {
        timeoutMs: 3_000,
        what: 'the ban on every instance',
      })
    await serve(fleet.instances, users.slice(1), 1_500)
    const reads = (await calls()).reads - before.reads
    console.log(`one change, 3 instances: ${reads} log reads in the 1.5 s after it`)
    expect(reads).toBeGreaterThanOrEqual(1)
    expect(reads).toBeLessThanOrEqual(6)
    expect(fleet.instances.every((c) => c.stats().liveness.proven)).toBe(true)
  })

  it('when the leader leaves, another takes the lease and the fleet stays proven', async () => {
    const { fleet, users } = await busyQuietFleet(3)
    const leader = fleet.instances.find((c) => c.stats().liveness.heartbeat === 'leading')!
    await leader.close()
    const rest = fleet.instances.filter((c) => c !== leader)
    const started = performance.now()
    await waitFor(
      async () => {
        await serve(rest, users, 50)
        return rest.some((c) => c.stats().liveness.heartbeat === 'leading')
      },
      { timeoutMs: 8_000, what: 'a new leader' },
    )
    console.log(`a new leader after ${(performance.now() - started).toFixed(0)} ms (lease 2,250 ms)`)
    await serve(rest, users, 1_000)
    expect(rest.every((c) => c.stats().liveness.proven)).toBe(true)
  })

  it('a recorded beat, republished, proves nothing', async () => {
    const fleet = startFleet(1, { ttl: '60 s', store: () => redisStore(server.url) })
    await fleet.ready()
    const [cache] = fleet.instances as [ValidationCache]
    const user = fleet.source.add(randomUUID())
    await cache.validate(user)
    // Signed with the secret (as a leader once sent it), two seconds old: stale by the time it is heard.
    const old = await encodeBeat(fleet.secret, { origin: 'elsewhere', time: Date.now() - 2_000, head: '0' })
    const before = await calls()
    await redis.publish(invalidationChannel(fleet.prefix), old)
    // A change broadcast after it: messages are applied in order, so once it is in, so is the beat.
    await cache.refresh(fleet.source.add(randomUUID()))
    await waitFor(() => cache.stats().broadcasts.received > 0, { timeoutMs: 2_000, what: 'the later broadcast' })
    expect(cache.stats().liveness.heartbeat).not.toBe('following')
    expect((await calls()).beats - before.beats).toBe(0)
  })
})
