import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { createValidationCache, type ValidationCache } from '../src/cache.js'
import { encodeMessage } from '../src/fleet/invalidation.js'
import { decodeEntry } from '../src/tiers/entry.js'
import { changeLogKey, entryKey } from '../src/tiers/keys.js'
import { redisStore } from '../src/stores/redis.js'
import { chaosStore } from '../src/testing/chaos-store.js'
import { startFleet } from './support/fleet.js'
import { waitFor } from './support/redis-server.js'
import { REDIS_URL, redisAvailable } from './support/services.js'
import { TcpProxy } from './support/tcp-proxy.js'

const redisUp = await redisAvailable()

/**
 * Issue 10: an older state never replaces a newer one. Whoever can write Redis may save a user's
 * validly signed "active" entry and write it back after a ban; lookups may finish late. Every
 * instance that saw the newer state refuses the older one — also once its own copy of the ban
 * has expired (a negative TTL shorter than the TTL) — on real Redis.
 */
describe.skipIf(!redisUp)('an older state never replaces a newer one', () => {
  let redis: Redis
  beforeAll(() => void (redis = new Redis(REDIS_URL)))
  afterAll(() => redis?.quit())

  /**
   * The attack's setup: a user validated (an "active" entry in L2), the attacker's copy of it saved,
   * the user banned and refreshed through `a`, and — unless told otherwise — the copy written back.
   */
  async function banAfterSaving(fleet: ReturnType<typeof startFleet>, a: ValidationCache, { replay = true } = {}) {
    const user = fleet.source.add(randomUUID())
    expect((await a.validate(user, { issuedAt: Date.now() })).verdict).toBe('active')
    const key = entryKey(fleet.prefix, user)
    const saved = (await redis.get(key))! // signed, and still fresh for a minute
    fleet.source.update(user, { bannedUntil: Date.now() + 3_600_000 })
    await a.refresh(user)
    if (replay) await redis.set(key, saved, 'PX', 60_000)
    return { user, key, saved }
  }

  it('a saved "active" entry written back after a ban is refused on every instance that saw the ban', async () => {
    const fleet = startFleet(3, { ttl: '60 s', negativeTtl: 300 })
    const [a, ...others] = fleet.instances as [ValidationCache, ...ValidationCache[]]
    await fleet.ready()
    const { user, key, saved } = await banAfterSaving(fleet, a, { replay: false })
    for (const cache of [a, ...others]) {
      await waitFor(async () => (await cache.validate(user, { issuedAt: Date.now() })).verdict === 'banned', {
        timeoutMs: 2_000,
        what: 'the ban everywhere',
      })
    }
    for (const cache of [a, ...others]) {
      // Each look renews the others' copies (its fill is broadcast): let every copy expire first.
      const copiesAt = performance.now()
      await waitFor(() => performance.now() - copiesAt > 400, {
        intervalMs: 20,
        what: 'the copies of the ban to expire (negative TTL 300 ms)',
      })
      await redis.set(key, saved, 'PX', 60_000) // the replay, before each instance looks again
      const result = await cache.validate(user, { issuedAt: Date.now() })
      expect(result, 'a replayed entry must not readmit the user').toMatchObject({ verdict: 'banned', tier: 'source' })
      // Once, or twice when the previous instance's lock release (in the background) was still on
      // its way: this lookup then waits, and its look at the holder's "fill" meets the replay again.
      expect(cache.stats().fleetLog.olderRefused).toBeGreaterThanOrEqual(1)
    }
  })

  it('an instance started after the ban refuses the replayed entry too: it reads the log before it believes L2', async () => {
    const fleet = startFleet(2, { ttl: '60 s' })
    const [a] = fleet.instances as [ValidationCache]
    await fleet.ready()
    const { user } = await banAfterSaving(fleet, a) // replayed before the new instance ever looks
    const late = createValidationCache({
      source: fleet.source,
      prefix: fleet.prefix,
      secret: fleet.secret,
      ttl: '60 s',
      store: redisStore(REDIS_URL),
    })
    onTestFinished(() => late.close())
    await late.ready()
    // Its first read of the log (under load one read may time out: the next test covers that path).
    await waitFor(() => late.sync(), { timeoutMs: 5_000, intervalMs: 100, what: 'the new instance to read the log' })
    expect(await late.validate(user, { issuedAt: Date.now() })).toMatchObject({ verdict: 'banned', tier: 'source' })
    expect(late.stats().fleetLog.olderRefused).toBeGreaterThanOrEqual(1) // twice if it met the replay again as a "fill"
  })

  it('an instance started after the ban reads a full log to its end: the newest change is not left unread', async () => {
    const fleet = startFleet(2, { ttl: '60 s' })
    const [a] = fleet.instances as [ValidationCache]
    await fleet.ready()
    // A busy fleet: the log holds more than ten pages of others' changes (it is capped near 10,000).
    const pipeline = redis.pipeline()
    for (let i = 0; i < 10_500; i++) {
      pipeline.xadd(
        changeLogKey(fleet.prefix),
        '*',
        'e',
        await encodeMessage(fleet.secret, {
          kind: 'invalidate',
          userId: randomUUID(),
          origin: 'elsewhere',
          order: Date.now(),
          logId: '',
        }),
      )
    }
    await pipeline.exec()
    const { user } = await banAfterSaving(fleet, a) // the ban: the newest entry of the log
    const late = createValidationCache({
      source: fleet.source,
      prefix: fleet.prefix,
      secret: fleet.secret,
      ttl: '60 s',
      store: redisStore(REDIS_URL),
    })
    onTestFinished(() => late.close())
    await late.ready()
    await waitFor(() => late.sync(), { timeoutMs: 10_000, intervalMs: 100, what: 'the new instance to read the log' })
    expect(await late.validate(user, { issuedAt: Date.now() })).toMatchObject({ verdict: 'banned', tier: 'source' })
    expect(late.stats().fleetLog.overflows).toBe(0)
  })

  it('an instance started after the ban whose log read fails believes no L2 entry until one succeeds', async () => {
    const fleet = startFleet(2, { ttl: '60 s' })
    const [a] = fleet.instances as [ValidationCache]
    await fleet.ready()
    const { user, key, saved } = await banAfterSaving(fleet, a)
    // Real Redis, but the log's key cannot be read (a shard down, a timeout under load).
    const store = chaosStore(redisStore(REDIS_URL))
    store.chaos.alwaysThrow(['readLog'], new Error('log unreachable (test)'))
    const late = createValidationCache({
      source: fleet.source,
      prefix: fleet.prefix,
      secret: fleet.secret,
      ttl: '60 s',
      store,
    })
    onTestFinished(() => late.close())
    await late.ready()
    expect(await late.validate(user, { issuedAt: Date.now() })).toMatchObject({ verdict: 'banned', tier: 'source' })
    expect(store.chaos.calls.readLog).toBeGreaterThan(0)
    // It could not judge L2, so it asked the source under the fleet lock: the truth replaced the replay.
    const raw = (await redis.get(key))!
    expect(raw).not.toBe(saved)
    const written = await decodeEntry(fleet.secret, user, raw)
    expect(written.ok && written.entry.state.bannedUntil! > Date.now()).toBe(true)
  })

  it('a log entry written by someone without the secret drops no one and is counted as tampering', async () => {
    const fleet = startFleet(1, { ttl: '60 s' })
    const [a] = fleet.instances as [ValidationCache]
    await fleet.ready()
    const user = fleet.source.add(randomUUID())
    expect(await a.sync()).toBe(true)
    expect((await a.validate(user, { issuedAt: Date.now() })).tier).toBe('source')
    for (const forged of [JSON.stringify(['i', user, 'someone', 1e15, '', 'not-a-signature']), 'garbage']) {
      await redis.xadd(`${fleet.prefix}changes`, '*', 'e', forged)
    }
    expect(await a.sync()).toBe(true)
    expect((await a.validate(user, { issuedAt: Date.now() })).tier).toBe('l1') // still cached: nothing was dropped
    expect(a.stats().tampered.badSignature).toBe(2)
  })

  it('a lookup that read the store before a revocation and finishes after it, on a deaf instance, does not readmit the session', async () => {
    const proxy = await new TcpProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) }).start()
    onTestFinished(() => proxy.stop())
    let n = 0
    const fleet = startFleet(2, { ttl: '60 s', store: () => redisStore(n++ === 1 ? proxy.url : REDIS_URL) })
    const [a, b] = fleet.instances as [ValidationCache, ValidationCache]
    await fleet.ready()
    proxy.set({ kind: 'blackhole' }, { onlySubscribers: true }) // B hears no broadcast from here on
    const user = fleet.source.add(randomUUID())
    const session = Date.now() - 60_000
    fleet.source.latencyMs = 300 // B's lookup reads the user at once and answers 300 ms later
    const late = b.validate(user, { issuedAt: session })
    await waitFor(() => fleet.source.queries > 0, { intervalMs: 1, what: "B's lookup to read the store" })
    fleet.source.latencyMs = 0
    await a.revoke(user) // waits for B's lock, then writes and announces the newer state
    expect((await late).verdict).toBe('active') // what B read was true when read…
    await waitFor(async () => (await b.validate(user, { issuedAt: session })).verdict === 'revoked', {
      timeoutMs: 2_000,
      what: 'B to refuse',
    })
    expect((await a.validate(user, { issuedAt: session })).verdict).toBe('revoked') // …and it never replaced the newer state
  })
})
