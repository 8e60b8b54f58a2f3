import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { createValidationCache, type ValidationCache } from '../src/cache.js'
import { changeLogKey, entryKey } from '../src/tiers/keys.js'
import { redisStore } from '../src/stores/redis.js'
import { startFleet } from './support/fleet.js'
import { waitFor } from './support/redis-server.js'
import { REDIS_URL, redisAvailable } from './support/services.js'
import { TcpProxy } from './support/tcp-proxy.js'

const redisUp = await redisAvailable()
const MAX_ID = '18446744073709551615-18446744073709551615'
const HOUR = 3_600_000

/**
 * Someone who can write Redis but holds no secret cannot sign a log entry, yet could still wedge
 * the change log (no append possible, or ids that run ahead of every real one) or bury it under
 * junk. Each test here is that attack on real Redis; the fleet must keep banning, proving and
 * believing L2 (or, where it cannot judge an entry, refuse it: a source query, never admission).
 */
describe.skipIf(!redisUp)('a change log attacked by a Redis writer without the secret', () => {
  let redis: Redis
  beforeAll(() => void (redis = new Redis(REDIS_URL)))
  afterAll(() => redis?.quit())

  const lateInstance = (fleet: ReturnType<typeof startFleet>) => {
    const late = createValidationCache({
      source: fleet.source,
      prefix: fleet.prefix,
      secret: fleet.secret,
      ttl: '60 s',
      store: redisStore(REDIS_URL),
    })
    onTestFinished(() => late.close())
    return late
  }
  const banned = async (cache: ValidationCache, user: string) =>
    (await cache.validate(user, { issuedAt: Date.now() })).verdict === 'banned'

  it.each([
    ['an entry with the last possible id', (log: string) => redis.xadd(log, MAX_ID, 'e', 'junk')],
    ['a string SET under its key', (log: string) => redis.set(log, 'junk')],
  ])(
    'wedged by %s: bans still reach every instance, the log is replaced, proofs and L2 come back',
    async (_, wedge) => {
      const fleet = startFleet(3, { ttl: '60 s' })
      const [a] = fleet.instances as [ValidationCache]
      const log = changeLogKey(fleet.prefix)
      onTestFinished(async () => void (await redis.del(log)))
      await fleet.ready()
      await a.refresh(fleet.source.add(randomUUID())) // a real entry first: every cursor sits on a real id
      const user = fleet.source.add(randomUUID())
      for (const cache of fleet.instances) {
        expect(await cache.sync()).toBe(true)
        expect((await cache.validate(user, { issuedAt: Date.now() })).verdict).toBe('active')
      }
      await wedge(log)
      for (const cache of fleet.instances) await cache.sync() // each meets the junk
      fleet.source.update(user, { bannedUntil: Date.now() + HOUR })
      const started = performance.now()
      const result = await a.refresh(user)
      for (const cache of fleet.instances)
        await waitFor(() => banned(cache, user), { timeoutMs: 3_000, what: 'the ban on every instance' })
      console.log(`wedged log: ban refused everywhere after ${Math.round(performance.now() - started)} ms`, result)
      expect(result).toEqual({ cache: 'updated', broadcast: 'sent' })
      for (const cache of fleet.instances)
        await waitFor(async () => (await cache.sync()) && cache.stats().liveness.proven, {
          timeoutMs: 3_000,
          what: `a fresh proof again: ${JSON.stringify(cache.stats().liveness)}`,
        })
      const replaced = fleet.instances.reduce((sum, cache) => sum + cache.stats().fleetLog.replaced, 0)
      console.log(`wedged log: replaced ${replaced} time(s); the key is a ${await redis.type(log)} again`)
      expect(replaced).toBeGreaterThanOrEqual(1)
      expect(await redis.type(log)).toBe('stream')
      // A new instance reads the (replaced) log before it believes L2, and then believes it.
      const known = fleet.source.add(randomUUID())
      expect((await a.validate(known, { issuedAt: Date.now() })).tier).toBe('source')
      const late = lateInstance(fleet)
      await late.ready()
      expect(await late.validate(known, { issuedAt: Date.now() })).toMatchObject({ verdict: 'active', tier: 'l2' })
      expect(await banned(late, user)).toBe(true)
    },
  )

  it('an entry with an id an hour ahead does not make a deaf instance skip the changes of a new log', async () => {
    const proxy = await new TcpProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) }).start()
    onTestFinished(() => proxy.stop())
    let n = 0
    const fleet = startFleet(2, { ttl: '60 s', store: () => redisStore(n++ === 1 ? proxy.url : REDIS_URL) })
    const [a, b] = fleet.instances as [ValidationCache, ValidationCache]
    const log = changeLogKey(fleet.prefix)
    onTestFinished(async () => void (await redis.del(log)))
    await fleet.ready()
    await a.refresh(fleet.source.add(randomUUID()))
    const user = fleet.source.add(randomUUID())
    expect((await b.validate(user, { issuedAt: Date.now() })).verdict).toBe('active') // in B's L1 for 60 s
    proxy.set({ kind: 'blackhole' }, { onlySubscribers: true }) // B hears no broadcast from here on
    await redis.xadd(log, `${Date.now() + HOUR}-0`, 'e', 'junk')
    expect(await b.sync()).toBe(true) // B meets the junk
    // The log is replaced (by the attacker here; an expiry or a failover does it too): new ids are the present's.
    await redis.del(log)
    fleet.source.update(user, { bannedUntil: Date.now() + HOUR })
    const started = performance.now()
    await a.refresh(user)
    await waitFor(() => banned(b, user), { timeoutMs: 3_000, what: 'the deaf instance to read the ban in the log' })
    console.log(`future id: the deaf instance refused after ${Math.round(performance.now() - started)} ms`)
  })

  it('200,000 junk entries over a ban: a new instance answers within 2 s and still refuses a replay', async () => {
    const fleet = startFleet(1, { ttl: '60 s' })
    const [a] = fleet.instances as [ValidationCache]
    const log = changeLogKey(fleet.prefix)
    onTestFinished(async () => void (await redis.del(log)))
    await fleet.ready()
    const user = fleet.source.add(randomUUID())
    expect((await a.validate(user, { issuedAt: Date.now() })).verdict).toBe('active')
    const saved = (await redis.get(entryKey(fleet.prefix, user)))!
    fleet.source.update(user, { bannedUntil: Date.now() + HOUR })
    expect(await a.refresh(user)).toEqual({ cache: 'updated', broadcast: 'sent' })
    // The ban is buried: 200,000 entries after it, none signed.
    const junk = JSON.stringify(['i', randomUUID(), 'attacker', Date.now(), '', 'not-a-signature'])
    const flooding = performance.now()
    for (let batch = 0; batch < 20; batch++) {
      const pipeline = redis.pipeline()
      for (let i = 0; i < 10_000; i++) pipeline.xadd(log, '*', 'e', junk)
      await pipeline.exec()
    }
    console.log(
      `junk flood: ${await redis.xlen(log)} entries written in ${Math.round(performance.now() - flooding)} ms`,
    )
    await redis.set(entryKey(fleet.prefix, user), saved, 'PX', 60_000) // the saved "active" entry, written back
    const late = lateInstance(fleet)
    await late.ready()
    const asked = performance.now()
    const result = await late.validate(user, { issuedAt: Date.now() })
    const tookMs = Math.round(performance.now() - asked)
    const read = late.stats().tampered.badSignature
    console.log(
      `junk flood: first validation took ${tookMs} ms, ${read} junk entries read`,
      result,
      late.stats().liveness,
    )
    expect(result).toMatchObject({ verdict: 'banned', tier: 'source' })
    expect(tookMs).toBeLessThan(2_000)
    expect(late.stats().fleetLog.olderRefused).toBeGreaterThanOrEqual(1)
    // Bounded in entries too, not only in time: a few pages and the newest one, not the whole flood.
    expect(late.stats().tampered.badSignature).toBeLessThanOrEqual(12_000)
    // And it keeps proving from the log's end on, not from the middle of the junk.
    const proving = performance.now()
    await waitFor(async () => (await late.sync()) && late.stats().liveness.proven, {
      timeoutMs: 3_000,
      what: 'a proof',
    })
    console.log(`junk flood: the next proof took ${Math.round(performance.now() - proving)} ms`)
  })
})
