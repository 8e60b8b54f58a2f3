import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createValidationCache } from '../src/cache.js'
import { FleetMetrics, flatten } from '../src/observability/fleet-metrics.js'
import { memoryStore } from '../src/stores/memory.js'
import { redisStore } from '../src/stores/redis.js'
import { startFleet } from './support/fleet.js'
import { OwnRedisServer, waitFor } from './support/redis-server.js'
import { redisAvailable } from './support/services.js'

// What fleet metrics cost, counted by Redis itself on a redis-server of this file's own (nothing
// else talks to it), and whether the fleet's totals stay exact when every flush is one script.

const redisUp = await redisAvailable()

describe.skipIf(!redisUp)('fleet metrics: one store command per flush, counted by Redis', () => {
  let server: OwnRedisServer
  let admin: Redis
  let monitor: Redis
  const seen: { args: string[]; source: string }[] = []
  let marker = 0

  beforeAll(async () => {
    server = await OwnRedisServer.start()
    // No ready check: MONITOR's duplicate of this connection would send its INFO and could meet that
    // very INFO again as a monitor line before ioredis knows it is monitoring ("Command queue state error").
    admin = new Redis(server.url, { enableReadyCheck: false })
    // MONITOR names each command's origin: a client's address, or "lua" for a script's own calls.
    monitor = await admin.monitor() // a connection of its own, beside admin's
    monitor.on('monitor', (_time: string, args: string[], source: string) => seen.push({ args, source }))
  })

  afterAll(async () => {
    monitor?.disconnect()
    await admin?.quit()
    await server?.stop()
  })

  /** Redis's own view of what `action` sent: per client command, the script's calls, INFO's totals. */
  async function counted(action: () => Promise<unknown>) {
    const info = async () => {
      const text = `${await admin.info('stats')}\n${await admin.info('commandstats')}`
      const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(text)?.[1] ?? 0)
      return { total: Number(/total_commands_processed:(\d+)/.exec(text)![1]), eval: calls('eval') }
    }
    const before = await info()
    seen.length = 0
    await action()
    // MONITOR's feed lags the commands: a marker after them says everything before it arrived.
    const end = `end-${++marker}`
    await admin.echo(end)
    await waitFor(() => seen.some((c) => c.args[0] === 'echo' && c.args[1] === end), { what: 'the marker' })
    const after = await info()
    const upTo = seen.findIndex((c) => c.args[1] === end)
    const ours = seen.slice(0, upTo).filter((c) => !['info', 'echo'].includes(c.args[0]!)) // not the test's own
    return {
      fromClients: ours.filter((c) => c.source !== 'lua').map((c) => c.args[0]),
      fromScript: ours.filter((c) => c.source === 'lua').length,
      evalCalls: after.eval - before.eval,
      // Every command Redis ran, a script's calls included, less the two INFOs and the ECHO of this check.
      processed: after.total - before.total - 3,
    }
  }

  it('sends exactly one EVAL per flush with news, nothing for an idle one, one per read', async () => {
    const cache = createValidationCache({
      store: memoryStore(), // the cache's own traffic goes elsewhere: only the metrics talk to this server
      source: { name: 'none', fetchUser: async () => null, setSessionsRevokedAt: async () => undefined },
    })
    const store = redisStore(server.url)
    const metrics = new FleetMetrics(cache, { store, prefix: 'cost:', instanceId: 'only', secret: 's' })
    try {
      await store.get('connect') // the connection's own start (ioredis's ready check) is not a flush's
      for (let round = 1; round <= 3; round++) {
        for (let i = 0; i < 20; i++) await cache.validate(randomUUID())
        const flush = await counted(() => metrics.flush())
        expect(flush.fromClients).toEqual(['eval'])
        expect(flush.evalCalls).toBe(1)
        // INFO's total counts the script's HINCRBY, PFADD and PEXPIRE calls as well: all of them are that one EVAL's.
        expect(flush.processed).toBe(1 + flush.fromScript)
        const idle = await counted(() => metrics.flush())
        expect(idle).toEqual({ fromClients: [], fromScript: 0, evalCalls: 0, processed: 0 })
      }
      // A flush reports the commands before it: the third one's own comes with the next.
      expect((await metrics.read()).totals).toMatchObject({ 'validations.total': 60, 'metrics.commands': 2 })
      // A report's read too: one EVAL for 24 hours of counters, instances and users (it was 49 commands).
      const read = await counted(() => metrics.read())
      expect([read.fromClients, read.evalCalls]).toEqual([['eval'], 1])
    } finally {
      await cache.close()
      await store.close()
    }
  })

  it('two engines flushing against each other: the totals are the sum of both instances counters', async () => {
    const fleet = startFleet(2, { redisUrl: server.url })
    const metrics = fleet.instances.map(
      (cache, i) =>
        new FleetMetrics(cache, {
          store: redisStore(server.url),
          prefix: fleet.prefix,
          instanceId: `instance-${i}`,
          secret: fleet.secret,
        }),
    )
    const users = Array.from({ length: 30 }, () => fleet.source.add(randomUUID()))
    await fleet.ready()
    // Both serve and flush at once, several times over, with logins between.
    for (let round = 0; round < 5; round++) {
      await Promise.all(
        fleet.instances.map(async (cache, i) => {
          for (let n = 0; n < 40; n++) await cache.validate(users[(n * (i + 2) + round) % users.length]!)
        }),
      )
      metrics[round % 2]!.recordLogin()
      expect(await Promise.all(metrics.map((m) => m.flush()))).toEqual([true, true])
    }
    expect(await Promise.all(metrics.map((m) => m.flush()))).toEqual([true, true]) // nothing new: nothing twice
    const sumOfInstances = () => {
      const sum: Record<string, number> = {}
      for (const cache of fleet.instances)
        for (const [k, v] of Object.entries(flatten(cache.counters.snapshot()))) sum[k] = (sum[k] ?? 0) + v
      return sum
    }
    let sum = sumOfInstances()
    let fleetTotals = await metrics[1]!.read()
    // Background work (the liveness proof's reads) may count between a flush and this look: flush
    // again until the two agree. Counts lost or added twice would never agree.
    const disagreeing = () =>
      Object.entries(sum).filter(
        ([field, value]) => field !== 'validations.timedDurationMs' && (fleetTotals.totals[field] ?? 0) !== value,
      )
    for (let attempt = 0; disagreeing().length > 0 && attempt < 5; attempt++) {
      await Promise.all(metrics.map((m) => m.flush()))
      sum = sumOfInstances()
      fleetTotals = await metrics[1]!.read()
    }
    expect(disagreeing()).toEqual([])
    // Durations travel as whole microseconds: each instance rounds its own running total.
    const durationUs = fleetTotals.totals['validations.timedDurationUs']!
    expect(Math.abs(durationUs - sum['validations.timedDurationMs']! * 1_000)).toBeLessThanOrEqual(1)
    expect(fleetTotals.totals['validations.total']).toBe(400)
    expect(fleetTotals.totals.logins).toBe(5)
    expect(fleetTotals.instances).toBe(2)
    expect(Math.abs(fleetTotals.activeUsers - users.length)).toBeLessThanOrEqual(1)
    // 5 + 5 flushes, each instance's last not yet reported (and any a retry above sent)
    expect(fleetTotals.totals['metrics.commands']).toBeGreaterThanOrEqual(8)
  })
})
