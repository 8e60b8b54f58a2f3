import { randomUUID } from 'node:crypto'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { createValidationCache, type ValidationCache, type ValidationResult } from '../src/cache.js'
import { supabaseSource } from '../src/sources/supabase.js'
import { redisStore } from '../src/stores/redis.js'
import { FakeGoTrue } from './support/gotrue.js'
import { OwnRedisServer, waitFor } from './support/redis-server.js'
import { redisAvailable } from './support/services.js'

const redisUp = await redisAvailable()
// Wide enough for both instances to open their source breakers on hanging lookups first.
const GRACE_MS = 3_000
const TTL_MS = 150

/** How Supabase Auth goes down, and how it comes back. */
const OUTAGES = {
  '503': (gotrue: FakeGoTrue) => {
    gotrue.outage = {
      kind: 'status',
      status: 503,
      body: { code: 'unexpected_failure', message: 'upstream unavailable' },
    }
    return async () => gotrue.recover()
  },
  hang: (gotrue: FakeGoTrue) => {
    gotrue.outage = { kind: 'hang' }
    return async () => gotrue.recover()
  },
  refused: async (gotrue: FakeGoTrue) => {
    await gotrue.stop()
    return async () => void (await gotrue.start())
  },
} satisfies Record<string, (gotrue: FakeGoTrue) => unknown>
const MODES = Object.keys(OUTAGES) as (keyof typeof OUTAGES)[]

/**
 * Supabase Auth (the GoTrue-shaped server) down for less and for longer than grace, behind two
 * instances sharing a redis-server of the test's own. Under load: no request that should pass
 * fails, no banned user gets in, and the counters say what happened.
 */
describe.skipIf(!redisUp)('user source outage (Supabase Auth) under load', () => {
  let redis: OwnRedisServer
  beforeAll(async () => void (redis = await OwnRedisServer.start()))
  afterAll(() => redis?.stop())
  // supabase-js prints every failed fetch itself (a stack per lookup; see DEPLOYMENT.md): kept
  // out of the test output, not out of the behaviour.
  beforeEach(() => void vi.spyOn(console, 'error').mockImplementation(() => undefined))
  afterEach(() => vi.restoreAllMocks())

  async function setup() {
    const gotrue = await new FakeGoTrue(`service-${randomUUID()}`).start()
    const active = Array.from({ length: 4 }, () => randomUUID())
    for (const id of active) gotrue.users.set(id, { id, email: `${id}@example.com`, app_metadata: {} })
    const banned = randomUUID()
    gotrue.users.set(banned, {
      id: banned,
      email: `${banned}@example.com`,
      app_metadata: {},
      banned_until: new Date(Date.now() + 3_600_000).toISOString(),
    })
    const options = {
      prefix: `outage:${randomUUID()}:`,
      secret: `secret-${randomUUID()}`,
      ttl: TTL_MS,
      negativeTtl: TTL_MS,
      grace: GRACE_MS,
      sourceTimeout: 100,
    }
    const fleet = [0, 1].map(() =>
      createValidationCache({
        ...options,
        source: supabaseSource({ url: gotrue.url, serviceRoleKey: gotrue.serviceRoleKey, timeoutMs: 100 }),
        store: redisStore(redis.url),
      }),
    )
    await Promise.all(fleet.map((cache) => cache.ready()))
    const log: { instance: number; user: string; result: ValidationResult; at: number }[] = []
    /** Every user, 3 requests at once, on both instances at once, over and over until `done`. */
    const drive = (done: () => boolean, what: string) =>
      waitFor(
        async () => {
          await Promise.all(
            fleet.flatMap((cache, instance) =>
              [...active, banned].flatMap((user) =>
                Array.from({ length: 3 }, async () => {
                  const result = await cache.validate(user)
                  log.push({ instance, user, result, at: Date.now() })
                }),
              ),
            ),
          )
          return done()
        },
        { timeoutMs: 8_000, intervalMs: 5, what },
      )
    const answered = (from: number, test: (r: ValidationResult) => boolean) =>
      active.every((user) =>
        fleet.every((_, instance) =>
          log.slice(from).some((e) => e.user === user && e.instance === instance && test(e.result)),
        ),
      )
    const close = async () => {
      await Promise.all(fleet.map((cache: ValidationCache) => cache.close()))
      await gotrue.stop()
    }
    return { gotrue, active, banned, fleet, log, drive, answered, close }
  }

  it.each(MODES)(
    '%s for less than grace: every active user stays in on the last known state, the banned one stays out',
    async (mode) => {
      const { gotrue, banned, fleet, log, drive, answered, close } = await setup()
      try {
        await drive(() => answered(0, (r) => r.valid), 'every user known on both instances')
        const outageFrom = log.length
        const recover = await OUTAGES[mode](gotrue)
        await drive(
          () => answered(outageFrom, (r) => r.tier === 'stale'),
          'every active user served stale on both instances',
        )
        await recover()
        const recoveredFrom = log.length
        await drive(
          () => answered(recoveredFrom, (r) => r.valid && r.tier !== 'stale'),
          'fresh answers from the source again',
        )

        const since = log[outageFrom]!.at
        for (const e of log)
          expect(e.result.verdict, `${e.result.reason} (${e.at - since} ms into the outage)`).toBe(
            e.user === banned ? 'banned' : 'active',
          )
        for (const cache of fleet) {
          const stats = cache.stats()
          expect(stats.validations.byVerdict.unavailable).toBe(0)
          expect(stats.validations.byTier.stale).toBeGreaterThan(0)
          expect(stats.source.errors + stats.source.timeouts).toBeGreaterThan(0)
        }
        expect(fleet.some((cache) => cache.stats().source.breakerOpened > 0)).toBe(true) // the failing store was spared
      } finally {
        await close()
      }
    },
  )

  it.each(MODES)(
    '%s for longer than grace: unavailable, never a negative verdict for active users, never a way in for the banned',
    async (mode) => {
      const { gotrue, banned, fleet, log, drive, answered, close } = await setup()
      try {
        await drive(() => answered(0, (r) => r.valid), 'every user known on both instances')
        const recover = await OUTAGES[mode](gotrue)
        const outageFrom = log.length
        await drive(
          () => answered(outageFrom, (r) => r.verdict === 'unavailable'),
          'grace to run out for every active user on both instances',
        )
        await recover()
        const recoveredFrom = log.length
        await drive(
          () => answered(recoveredFrom, (r) => r.valid && r.tier !== 'stale'),
          'fresh answers from the source again',
        )

        expect(log.filter((e) => e.user === banned && e.result.valid)).toEqual([])
        for (const { user, result } of log)
          expect(['active', 'unavailable', ...(user === banned ? ['banned'] : [])]).toContain(result.verdict)
        const down = log.slice(outageFrom, recoveredFrom).filter((e) => e.user !== banned)
        expect(down.some((e) => e.result.tier === 'stale' && e.result.valid)).toBe(true) // within grace, still in
        for (const cache of fleet) expect(cache.stats().validations.byVerdict.unavailable).toBeGreaterThan(0)
      } finally {
        await close()
      }
    },
  )
})
