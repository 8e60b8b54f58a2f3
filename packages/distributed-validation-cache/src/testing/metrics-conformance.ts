import { expect, it } from 'vitest'
import { hasMetrics, type MetricsStore, type Store } from '../stores/store.js'
import type { StoreUnderTest } from './store-conformance.js'
import { waitFor } from './wait-for.js'

/**
 * The `MetricsStore` part of `describeStoreConformance`: hourly counters, distinct users, and the
 * one-command flush and read where a store has them. A store without them skips, visibly.
 */
export function describeMetricsConformance(backend: StoreUnderTest, prefix: string): void {
  // Fleet counters: keys of one family share a hash tag, as Cluster needs for PFCOUNT over several.
  const metricsKey = (name: string) => `${prefix}{${backend.name}:metrics}:${name}`
  // Optional (MetricsStore): a store without it skips these, visibly.
  const metrics = (skip: () => never): Store & MetricsStore => {
    const store = backend.connect()
    return hasMetrics(store) ? store : skip()
  }

  it('adds to hash fields across connections and reads them back as numbers; a missing hash is {}', async ({
    skip,
  }) => {
    await metrics(skip).incrementFields(metricsKey('hour-1'), { validations: 3, hits: 2 }, 10_000)
    await metrics(skip).incrementFields(metricsKey('hour-1'), { validations: 4, misses: 1 }, 10_000)
    expect(await metrics(skip).readFields([metricsKey('hour-1'), metricsKey('never')])).toEqual([
      { validations: 7, hits: 2, misses: 1 },
      {},
    ])
    expect(await metrics(skip).readFields([])).toEqual([])
  })

  it('expires counter hashes after their TTL', async ({ skip }) => {
    const store = metrics(skip)
    await store.incrementFields(metricsKey('short'), { n: 1 }, 150)
    await waitFor(async () => Object.keys((await store.readFields([metricsKey('short')]))[0]!).length === 0, {
      timeoutMs: 3_000,
      what: 'hash expiry',
    })
  })

  it('counts distinct members across HyperLogLogs, each member once', async ({ skip }) => {
    const members = Array.from({ length: 40 }, (_, i) => `member-${i}`)
    await metrics(skip).addDistinct(metricsKey('users-1'), members.slice(0, 30), 10_000)
    await metrics(skip).addDistinct(metricsKey('users-2'), members.slice(20), 10_000) // 10 overlap
    await metrics(skip).addDistinct(metricsKey('users-2'), [], 10_000)
    const count = await metrics(skip).countDistinct([
      metricsKey('users-1'),
      metricsKey('users-2'),
      metricsKey('users-none'),
    ])
    expect(Math.abs(count - 40)).toBeLessThanOrEqual(1) // HyperLogLog is exact to ±1 at this size
    expect(await metrics(skip).countDistinct([])).toBe(0)
  })

  // recordMetrics is optional too: FleetMetrics falls back to the methods above without it.
  const recording = (skip: () => never) => {
    const store = metrics(skip)
    return store.recordMetrics ? { store, record: store.recordMetrics.bind(store) } : skip()
  }
  const flushOf = (name: string, member: string, deltas: Record<string, number>, users: string[], ttlMs = 10_000) => ({
    counters: { key: metricsKey(`${name}:h`), deltas },
    instances: { key: metricsKey(`${name}:i`), member },
    users: { key: metricsKey(`${name}:u`), members: users },
    ttlMs,
  })

  it('records a flush in one call: counters, the instance, the users — from two connections', async ({ skip }) => {
    const users = Array.from({ length: 2_500 }, (_, i) => `user-${i}`) // past Lua's unpack() bound in one call
    await recording(skip).record(flushOf('flush', 'a', { validations: 3, hits: 2 }, users.slice(0, 2_000)))
    await recording(skip).record(flushOf('flush', 'b', { validations: 4, misses: 1 }, users.slice(1_000)))
    await recording(skip).record(flushOf('flush', 'a', {}, []))
    const { store } = recording(skip)
    expect(await store.readFields([metricsKey('flush:h'), metricsKey('flush:i')])).toEqual([
      { validations: 7, hits: 2, misses: 1 },
      { a: 2, b: 1 },
    ])
    const count = await store.countDistinct([metricsKey('flush:u')])
    expect(Math.abs(count - 2_500)).toBeLessThanOrEqual(50) // HyperLogLog: ±0.81 % standard error
  })

  it('reads a report in one call: the same hashes and distinct count as readFields and countDistinct', async ({
    skip,
  }) => {
    const store = metrics(skip)
    if (!store.readMetrics) return skip()
    await store.incrementFields(metricsKey('report:h1'), { validations: 5 }, 10_000)
    await store.incrementFields(metricsKey('report:i2'), { a: 1, b: 3 }, 10_000)
    await store.addDistinct(metricsKey('report:u1'), ['x', 'y'], 10_000)
    await store.addDistinct(metricsKey('report:u2'), ['y', 'z'], 10_000)
    const query = {
      counters: [metricsKey('report:h1'), metricsKey('report:h2')],
      instances: [metricsKey('report:i1'), metricsKey('report:i2')],
      users: [metricsKey('report:u1'), metricsKey('report:u2')],
    }
    expect(await metrics(skip).readMetrics!(query)).toEqual({
      counters: [{ validations: 5 }, {}],
      instances: [{}, { a: 1, b: 3 }],
      distinct: 3,
    })
    expect(await store.readMetrics({ counters: [], instances: [], users: [] })).toEqual({
      counters: [],
      instances: [],
      distinct: 0,
    })
    await expect(store.readMetrics({ ...query, users: [] })).rejects.toThrow()
  })

  it('refuses a fractional delta before writing anything of that flush', async ({ skip }) => {
    const { store, record } = recording(skip)
    await expect(record(flushOf('refused', 'a', { whole: 1, half: 0.5 }, ['u']))).rejects.toThrow()
    expect(await store.readFields([metricsKey('refused:h'), metricsKey('refused:i')])).toEqual([{}, {}])
    expect(await store.countDistinct([metricsKey('refused:u')])).toBe(0)
  })

  it('expires every key a recorded flush wrote after its TTL', async ({ skip }) => {
    const { store, record } = recording(skip)
    await record(flushOf('short', 'a', { n: 1 }, ['u1', 'u2'], 150))
    expect(await store.countDistinct([metricsKey('short:u')])).toBe(2)
    const gone = async () =>
      (await store.readFields([metricsKey('short:h'), metricsKey('short:i')])).every((h) => !Object.keys(h).length) &&
      (await store.countDistinct([metricsKey('short:u')])) === 0
    await waitFor(gone, { timeoutMs: 3_000, what: 'every key of the flush expired' })
  })
}
