import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { createValidationCache, type ValidationCache } from '../src/cache.js'
import { redisStore } from '../src/stores/redis.js'
import { decodeEntry } from '../src/tiers/entry.js'
import { entryKey, lockKey } from '../src/tiers/keys.js'
import { FleetSource } from './support/fleet-source.js'
import { waitFor } from './support/redis-server.js'
import { REDIS_URL, redisAvailable } from './support/services.js'

const redisUp = await redisAvailable()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * A slow source read sent before a ban, answered after it (found by review). Two things keep it out:
 * its stamp is fixed when it is sent (source-query.ts readStamps), so however late it answers and
 * whatever this process stamped meanwhile — another lookup's answer, one of its own changes'
 * forewarnings — the fleet's state order holds it older than the ban's re-read; and its fill writes
 * only while the lock is still its own (stores/scripts.ts FILL), so a lock a Redis writer DELeted
 * (or a failover lost) no longer lets it overwrite the ban in L2.
 */
describe.skipIf(!redisUp)('a slow read sent before a ban, answered after it', () => {
  let redis: Redis
  beforeAll(() => void (redis = new Redis(REDIS_URL)))
  afterAll(() => redis.quit())

  const cases = {
    // A stamp handed out between the slow read's send and its answer.
    'another lookup on the serverless instance, answered first': async (c: Ctx) => {
      expect((await c.serverless.validate(c.other)).verdict).toBe('active')
      return undefined
    },
    // The serverless instance's own change of another user: its forewarning's order lifts later
    // stamps (`after`), never earlier-sent ones. Its re-read waits on that user's lock.
    'the serverless instance forewarns a change of another user (readStamps.after)': async (c: Ctx) => {
      await c.redis.set(lockKey(c.prefix, c.other), 'held-elsewhere', 'PX', 1_000)
      return c.serverless.refresh(c.other)
    },
  }
  type Ctx = { serverless: ValidationCache; other: string; redis: Redis; prefix: string }

  it.each(Object.keys(cases))('DEL of the lock, then %s: banned fleet-wide within the promise', async (name) => {
    const source = new FleetSource()
    const prefix = `review-stamp-${randomUUID().slice(0, 8)}:`
    const secret = `secret-${randomUUID()}`
    const make = (subscribe: boolean, name: string) =>
      createValidationCache({
        source,
        prefix,
        secret,
        subscribe,
        instanceId: name,
        store: redisStore(REDIS_URL, { connectTimeoutMs: 300 }),
      })
    const changer = make(true, 'changer')
    const listening = make(true, 'listening')
    const serverless = make(false, 'serverless')
    const caches: ValidationCache[] = [changer, listening, serverless]
    onTestFinished(async () => {
      await Promise.all(caches.map((c) => c.close()))
      const keys = await redis.keys(`${prefix}*`)
      if (keys.length > 0) await redis.del(...keys)
    })
    const user = source.add(randomUUID())
    const other = source.add(randomUUID())
    await Promise.all(caches.map((c) => c.ready()))
    await serverless.sync()

    // The serverless instance takes the user's lock and asks the source: a slow answer (300 ms).
    source.latencyMs = 300
    const before = source.queries
    const inFlight = serverless.validate(user)
    await waitFor(() => source.queries === before + 1, { what: 'the serverless lookup to reach the source' })
    source.latencyMs = 0

    // The ban, told through the changer; a Redis writer without the secret DELs the lock meanwhile.
    source.update(user, { bannedUntil: Date.now() + 3_600_000 })
    await redis.del(lockKey(prefix, user))
    expect(await changer.refresh(user)).toEqual({ cache: 'updated', broadcast: 'sent' })
    const bannedAt = Date.now()
    const pending = await cases[name as keyof typeof cases]({ serverless, other, redis, prefix })
    expect((await inFlight).verdict).toBe('active') // began before the ban: legitimately active

    // The slow fill found its lock gone: the ban's entry stands in L2.
    const raw = await redis.get(entryKey(prefix, user))
    const decoded = raw === null ? undefined : await decodeEntry(secret, user, raw)
    expect(decoded?.ok && decoded.entry.state.bannedUntil).toBeGreaterThan(Date.now())
    expect(serverless.stats().lock.lost).toBe(1)

    await sleep(bannedAt + 1_500 - Date.now()) // the 1 s promise, with slack for a loaded machine
    const verdicts = {
      changer: (await changer.validate(user)).verdict, // holds its own re-read in L1 (negative TTL)
      listening: (await listening.validate(user)).verdict,
      serverless: (await serverless.validate(user)).verdict,
    }
    console.log(`${Date.now() - bannedAt} ms after the ban:`, verdicts)
    expect(verdicts).toEqual({ changer: 'banned', listening: 'banned', serverless: 'banned' })
    await pending
  })
})
