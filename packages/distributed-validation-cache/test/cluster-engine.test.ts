import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startFleet } from './support/fleet.js'
import { startCluster, waitFor } from './support/redis-server.js'
import { redisAvailable } from './support/services.js'

const redisUp = await redisAvailable()

/** The whole path on a 3-node Redis Cluster: hash-tagged keys, NX lock and pub/sub across nodes. */
describe.skipIf(!redisUp)('validation engine on Redis Cluster', () => {
  let cluster: Awaited<ReturnType<typeof startCluster>>
  beforeAll(async () => void (cluster = await startCluster()))
  afterAll(() => cluster.stop())

  it('queries the source once for a cold user across 3 instances, and revokes on all within 1 s', async () => {
    const fleet = startFleet(3, { redisUrl: cluster.url })
    await fleet.ready()
    fleet.source.latencyMs = 25
    const users = Array.from({ length: 6 }, () => fleet.source.add(randomUUID())) // spread over the slots
    const issuedAt = Date.now() - 60_000
    const results = await Promise.all(
      users.flatMap((u) =>
        fleet.instances.flatMap((c) => Array.from({ length: 30 }, () => c.validate(u, { issuedAt }))),
      ),
    )
    expect(results.every((r) => r.verdict === 'active')).toBe(true)
    expect(fleet.source.queries).toBe(users.length)
    fleet.source.latencyMs = 0
    const started = Date.now()
    await fleet.instances[0]!.revoke(users[0]!)
    await waitFor(
      async () =>
        (await Promise.all(fleet.instances.map((c) => c.validate(users[0]!, { issuedAt })))).every(
          (r) => r.verdict === 'revoked',
        ),
      { timeoutMs: 1_000, intervalMs: 5, what: 'revoked on every instance' },
    )
    expect(Date.now() - started).toBeLessThan(1_000)
    expect(fleet.instances.map((c) => c.stats().store.errors + c.stats().store.timeouts)).toEqual([0, 0, 0])
  })
})
