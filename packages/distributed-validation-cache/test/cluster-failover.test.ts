import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ValidationCache } from '../src/cache.js'
import { changeLogKey } from '../src/tiers/keys.js'
import { startFleet } from './support/fleet.js'
import { clusterCommand, type OwnRedisServer, startCluster, waitFor } from './support/redis-server.js'
import { redisAvailable } from './support/services.js'

const redisUp = await redisAvailable()

/** The shard (primary and its replica) that holds `key`, read off CLUSTER NODES. */
function shardOf(nodes: OwnRedisServer[], key: string): { primary: OwnRedisServer; replica: OwnRedisServer } {
  const slot = Number(clusterCommand(nodes[0]!.port, 'cluster', 'keyslot', key).trim())
  const lines = clusterCommand(nodes[0]!.port, 'cluster', 'nodes')
    .trim()
    .split('\n')
    .map((l) => l.split(' '))
  const byId = new Map(lines.map((f) => [f[0]!, Number(f[1]!.split(':')[1]!.split('@')[0])]))
  const owner = lines.find(
    (f) =>
      f[2]!.includes('master') &&
      f.slice(8).some((range) => {
        const [from, to = from] = range.split('-').map(Number)
        return slot >= from! && slot <= to!
      }),
  )!
  const replicaPort = byId.get(lines.find((f) => f[3] === owner[0])![0]!)
  const node = (port: number | undefined) => nodes.find((n) => n.port === port)!
  return { primary: node(byId.get(owner[0]!)), replica: node(replicaPort) }
}

/**
 * Issue 10: a Redis Cluster shard fails over — gracefully (CLUSTER FAILOVER) or because its
 * primary dies. ioredis reports no gap in the subscription, and the change log itself lives on
 * the shard that moves. With a 60 s TTL, a ban through one instance must be refused on every
 * instance within 2 s (the promise is 1 s; the figure is printed), valid users staying in.
 */
describe.skipIf(!redisUp)('lockout across a Redis Cluster shard failover', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>
  beforeEach(async () => void (cluster = await startCluster(1)), 30_000)
  afterEach(() => cluster?.stop())

  const cases: [string, (shard: ReturnType<typeof shardOf>) => Promise<void> | void][] = [
    [
      "CLUSTER FAILOVER on the replica of the log's shard",
      ({ replica }) => void clusterCommand(replica.port, 'cluster', 'failover'),
    ],
    ["the primary of the log's shard killed", ({ primary }) => primary.kill()],
  ]

  it.each(cases)(
    '%s: a ban is refused on every instance within 2 s',
    async (what, failover) => {
      const fleet = startFleet(3, { redisUrl: cluster.url, ttl: '60 s', storeTimeout: 250 })
      const instances = fleet.instances as ValidationCache[]
      await fleet.ready()
      const banned = fleet.source.add(randomUUID())
      const valid = Array.from({ length: 5 }, () => fleet.source.add(randomUUID()))
      for (const c of instances)
        for (const user of [banned, ...valid])
          expect((await c.validate(user, { issuedAt: Date.now() })).verdict).toBe('active')
      // The copies get older than the 1 s an instance trusts them for without a proof.
      const filledAt = performance.now()
      await waitFor(() => performance.now() - filledAt > 1_100, { intervalMs: 50, what: 'the copies to age' })
      for (const c of instances) expect(await c.sync()).toBe(true)
      expect((await instances[2]!.validate(banned, { issuedAt: Date.now() })).tier).toBe('l1')

      await failover(shardOf(cluster.nodes, changeLogKey(fleet.prefix)))
      fleet.source.update(banned, { bannedUntil: Date.now() + 3_600_000 })
      const bannedAt = performance.now()
      await instances[0]!.refresh(banned)
      const seen: string[] = []
      const lockout = await Promise.all(
        instances.map(async (c) => {
          await waitFor(
            async () => {
              for (const user of valid) seen.push((await c.validate(user, { issuedAt: Date.now() })).verdict)
              return (await c.validate(banned, { issuedAt: Date.now() })).verdict === 'banned'
            },
            { timeoutMs: 2_000, intervalMs: 10, what: `${c.stats().instanceId} to refuse the banned user` },
          )
          return Math.round(performance.now() - bannedAt)
        }),
      )
      console.log(
        `${what}: refused ${lockout.join(' / ')} ms after the ban on the 3 instances; ${seen.length} valid validations meanwhile`,
      )
      expect(new Set(seen)).toEqual(new Set(['active']))

      // After the failover the fleet is whole again: proofs come back and a later ban arrives at once.
      for (const c of instances)
        await waitFor(() => c.sync(), { timeoutMs: 10_000, intervalMs: 100, what: 'a proof after the failover' })
      const later = valid[0]!
      fleet.source.update(later, { bannedUntil: Date.now() + 3_600_000 })
      await waitFor(async () => (await instances[0]!.refresh(later)).broadcast === 'sent', {
        timeoutMs: 5_000,
        intervalMs: 100,
        what: 'a broadcast',
      })
      for (const c of instances) {
        await waitFor(async () => (await c.validate(later, { issuedAt: Date.now() })).verdict === 'banned', {
          timeoutMs: 2_000,
          what: 'refused after the failover',
        })
      }
    },
    40_000,
  )
})
