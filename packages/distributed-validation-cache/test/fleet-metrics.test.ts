import { randomUUID } from 'node:crypto'
import { describe, expect, it, vi } from 'vitest'
import { createValidationCache } from '../src/cache.js'
import { FleetMetrics } from '../src/observability/fleet-metrics.js'
import { observabilityReport } from '../src/observability/report.js'
import { memoryStore } from '../src/stores/memory.js'
import { hasMetrics, type MetricsRecord, type Store } from '../src/stores/store.js'
import { redisStore } from '../src/stores/redis.js'
import { startFleet } from './support/fleet.js'
import { OwnRedisServer } from './support/redis-server.js'
import { redisAvailable } from './support/services.js'

const redisUp = await redisAvailable()

describe.skipIf(!redisUp)('fleet-wide observability on real Redis', () => {
  it('reports exact fleet totals from any instance after a scripted workload on three', async () => {
    const fleet = startFleet(3)
    const metrics = fleet.instances.map(
      (cache, i) =>
        new FleetMetrics(cache, {
          store: redisStore(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'),
          prefix: fleet.prefix,
          instanceId: `instance-${i}`,
          secret: fleet.secret,
        }),
    )
    const [a, b, c] = fleet.instances as [
      NonNullable<(typeof fleet.instances)[0]>,
      NonNullable<(typeof fleet.instances)[0]>,
      NonNullable<(typeof fleet.instances)[0]>,
    ]
    const [u1, u2, u3] = [
      fleet.source.add(randomUUID()),
      fleet.source.add(randomUUID()),
      fleet.source.add(randomUUID()),
    ]
    const banned = fleet.source.add(randomUUID(), { bannedUntil: Date.now() + 60_000 })
    await fleet.ready()
    const tiers: string[] = []
    const run = async (cache: typeof a, user: string) => tiers.push((await cache.validate(user)).tier)
    await run(a, u1)
    await run(a, u1)
    await run(a, u1)
    await run(a, banned) // source, l1, l1, source
    await run(b, u1)
    await run(b, u1)
    await run(b, u2) //                      l2, l1, source
    await run(c, u3)
    await run(c, u1) //                                        source, l2
    expect(tiers).toEqual(['source', 'l1', 'l1', 'source', 'l2', 'l1', 'source', 'source', 'l2'])
    metrics[0]!.recordLogin()
    metrics[0]!.recordLogin()
    metrics[2]!.recordLogin()
    for (const m of metrics) expect(await m.flush()).toBe(true)
    for (const m of metrics) expect(await m.flush()).toBe(true) // nothing new: nothing added twice

    const reports = await Promise.all(
      metrics.map(async (m, i) =>
        observabilityReport({
          cache: fleet.instances[i]!,
          fleet: await m.read(),
          startedAt: Date.now() - 1_000,
          lastLoginAt: m.lastLoginAt,
        }),
      ),
    )
    for (const report of reports) {
      expect(report.scope).toBe('fleet')
      expect(report.instances.seen).toBe(3)
      expect(report.authentication.validations).toMatchObject({
        total: 9,
        cacheHits: 5,
        cacheMisses: 4,
        cacheHitRate: 55.56,
        databaseQueries: 4,
        byTier: { l1: 3, l2: 2, source: 4, stale: 0, none: 0 },
      })
      expect(report.authentication.users).toMatchObject({ activeCount: 4, bannedDetected: 1 })
      expect(report.authentication.logins.total).toBe(3)
      expect(report.authentication.costs).toMatchObject({
        costWithoutCache: '0.0001',
        estimatedDatabaseCost: '0.0000',
        savingsPercentage: '55.56',
      })
      expect(report.series.at(-1)).toMatchObject({ validations: 9, hits: 5, sourceQueries: 4, logins: 3 })
    }
    const body = JSON.stringify(reports)
    for (const secretish of [u1, u2, u3, banned, fleet.secret]) expect(body).not.toContain(secretish)
    await Promise.all(metrics.map((m) => m.stop()))
  })

  it('a flush that fails keeps its counts for the next one: nothing lost, nothing doubled', async () => {
    const server = await OwnRedisServer.start()
    try {
      const fleet = startFleet(1, { redisUrl: server.url, storeTimeout: 100 })
      const cache = fleet.instances[0]!
      const metrics = new FleetMetrics(cache, {
        store: redisStore(server.url, { commandTimeoutMs: 200 }),
        prefix: fleet.prefix,
        instanceId: 'solo',
        secret: fleet.secret,
      })
      const user = fleet.source.add(randomUUID())
      await cache.validate(user)
      await server.kill()
      await cache.validate(user)
      expect(await metrics.flush()).toBe(false)
      await server.start()
      await cache.validate(user)
      expect(await metrics.flush()).toBe(true)
      const totals = (await metrics.read()).totals
      expect(totals['validations.total']).toBe(3)
      expect((await metrics.read()).activeUsers).toBe(1)
    } finally {
      await server.stop()
    }
  })
})

describe('flushes that overlap', () => {
  it('add each count once, however many run at the same time', async () => {
    const store = memoryStore()
    const cache = createValidationCache({
      store,
      source: { name: 'none', fetchUser: async () => null, setSessionsRevokedAt: async () => undefined },
    })
    const metrics = new FleetMetrics(cache, { store, prefix: 'o:', instanceId: 'only', secret: 's' })
    for (let i = 0; i < 10; i++) await cache.validate(randomUUID())
    // The timer, a dashboard poll and a Prometheus scrape at once.
    expect(await Promise.all([metrics.flush(), metrics.flush(), metrics.flush()])).toEqual([true, true, true])
    await metrics.flush()
    expect((await metrics.read()).totals['validations.total']).toBe(10)
  })
})

describe('an idle instance', () => {
  const idle = () =>
    createValidationCache({
      store: memoryStore(),
      source: { name: 'none', fetchUser: async () => null, setSessionsRevokedAt: async () => undefined },
    })

  it('sends one store command per flush with news, none while it has nothing new, and reports them', async () => {
    const store = memoryStore()
    const records: number[] = [] // the store calls, each one command (one Lua script on Redis)
    const counted = {
      ...store,
      recordMetrics: (record: MetricsRecord) => (records.push(1), store.recordMetrics!(record)),
    }
    const cache = idle()
    const metrics = new FleetMetrics(cache, { store: counted, prefix: 'idle:', instanceId: 'only', secret: 's' })
    await cache.validate(randomUUID())
    expect(await metrics.flush()).toBe(true)
    expect(records).toHaveLength(1) // counters, instance marker and users in one
    for (let i = 0; i < 3; i++) expect(await metrics.flush()).toBe(true)
    expect(records).toHaveLength(1) // only its own last flush was new: nothing sent for that alone
    await cache.validate(randomUUID())
    expect(await metrics.flush()).toBe(true)
    expect(records).toHaveLength(2)
    expect((await metrics.read()).totals).toMatchObject({ 'validations.total': 2, 'metrics.commands': 1 })
  })

  it('falls back to one-by-one writes and reads for a store without the scripts, as exact', async () => {
    const { recordMetrics: _, readMetrics: __, ...store } = memoryStore()
    const commands: number[] = [] // per store call, the Redis commands it stands for
    const counted = {
      ...store,
      incrementFields: (...a: Parameters<typeof store.incrementFields>) => (
        commands.push(Object.keys(a[1]).length + 1), store.incrementFields(...a)
      ),
      addDistinct: (...a: Parameters<typeof store.addDistinct>) => (commands.push(2), store.addDistinct(...a)),
    }
    const cache = idle()
    const metrics = new FleetMetrics(cache, { store: counted, prefix: 'idle:', instanceId: 'only', secret: 's' })
    await cache.validate(randomUUID())
    expect(await metrics.flush()).toBe(true)
    const first = commands.reduce((a, b) => a + b, 0)
    expect(commands).toHaveLength(3) // counters, instance marker, users
    for (let i = 0; i < 3; i++) expect(await metrics.flush()).toBe(true)
    expect(commands).toHaveLength(3)
    await cache.validate(randomUUID())
    expect(await metrics.flush()).toBe(true)
    expect(commands).toHaveLength(6)
    const { totals, activeUsers, instances } = await metrics.read()
    expect(totals).toMatchObject({ 'validations.total': 2, 'metrics.commands': first })
    expect([activeUsers, instances]).toEqual([2, 1])
  })
})

describe('the flush timer', () => {
  it('flushes 10 s after the last flush, a report’s included, and stops for good', async () => {
    vi.useFakeTimers()
    try {
      const store = memoryStore()
      const flushes: number[] = []
      const counted = {
        ...store,
        recordMetrics: (record: MetricsRecord) => (flushes.push(Date.now()), store.recordMetrics!(record)),
      }
      const cache = createValidationCache({
        store: memoryStore(),
        source: { name: 'none', fetchUser: async () => null, setSessionsRevokedAt: async () => undefined },
      })
      const metrics = new FleetMetrics(cache, { store: counted, prefix: 't:', instanceId: 'only', secret: 's' })
      const start = Date.now()
      const busy = async (ms: number) => {
        await cache.validate(randomUUID())
        await vi.advanceTimersByTimeAsync(ms)
      }
      metrics.start()
      await busy(9_999)
      expect(flushes).toEqual([])
      await busy(1)
      expect(flushes).toEqual([start + 10_000])
      await busy(4_000)
      await metrics.flush() // a report, 4 s later: the timer's next flush is 10 s after it
      await busy(9_999)
      expect(flushes).toEqual([start + 10_000, start + 14_000])
      await busy(1)
      expect(flushes).toEqual([start + 10_000, start + 14_000, start + 24_000])
      metrics.stop()
      await busy(60_000)
      expect(flushes).toHaveLength(3)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('observability on the memory backend', () => {
  it('says its scope is this instance', async () => {
    const store = memoryStore()
    const cache = createValidationCache({
      store,
      source: { name: 'none', fetchUser: async () => null, setSessionsRevokedAt: async () => undefined },
    })
    const metrics = new FleetMetrics(cache, { store, prefix: 'm:', instanceId: 'only', secret: 's' })
    await cache.validate(randomUUID())
    await metrics.flush()
    const report = observabilityReport({ cache, fleet: await metrics.read(), startedAt: Date.now(), lastLoginAt: null })
    expect(report).toMatchObject({
      scope: 'instance',
      validationCache: { backend: 'memory' },
      authentication: { validations: { total: 1 }, users: { missingDetected: 1 } },
    })
  })
})

describe('a third-party store without the MetricsStore methods', () => {
  it('serves the cache, and FleetMetrics reports this instance alone instead of failing', async () => {
    const full = memoryStore()
    const { get, set, delete: del, publish, subscribe, appendLog, readLog, close } = full
    const core: Store = { backend: 'acme-kv', get, set, delete: del, publish, subscribe, appendLog, readLog, close }
    expect([hasMetrics(full), hasMetrics(core)]).toEqual([true, false])
    const id = randomUUID()
    const cache = createValidationCache({
      store: core,
      secret: 'third-party-store-secret-0123',
      source: {
        name: 'one',
        fetchUser: async () => ({ exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null }),
        setSessionsRevokedAt: async () => undefined,
      },
    })
    const metrics = new FleetMetrics(cache, {
      store: core,
      prefix: 'acme:',
      instanceId: 'only',
      secret: 'metrics-secret',
    })
    expect((await cache.validate(id)).verdict).toBe('active')
    expect(await metrics.flush()).toBe(true)
    const totals = await metrics.read()
    expect([totals.totals['validations.total'], totals.activeUsers, totals.instances]).toEqual([1, 1, 1])
    await cache.close()
  })
})
