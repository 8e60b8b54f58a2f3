import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { startBridge } from 'upstash-rest-bridge'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ValidationCache } from '../src/cache.js'
import { redisStore } from '../src/stores/redis.js'
import { upstashStore } from '../src/stores/upstash.js'
import type { Store } from '../src/stores/store.js'
import { chaosStore } from '../src/testing/chaos-store.js'
import { startFleet } from './support/fleet.js'
import { OwnRedisServer } from './support/redis-server.js'
import { redisAvailable } from './support/services.js'

const redisUp = await redisAvailable()

/**
 * Issue 17, item 1: one source query per user per TTL for the whole fleet in every instance state.
 * A deploy, an autoscale or a serverless cold start brings up instances that have not read the
 * change log yet; they still share the fleet lock, so a storm of cold requests for one user across
 * all of them asks the source once, and every request is answered. On a redis-server of the test's
 * own, whose command count (INFO stats) is printed beside the figures.
 */
describe.skipIf(!redisUp)('a fleet of new instances asks the source once per cold user', () => {
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

  const commandsProcessed = async () =>
    Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? Number.NaN)

  async function storm(size: number, store: () => Store, label: string) {
    const fleet = startFleet(size, { ttl: '60 s', store })
    fleet.source.latencyMs = 20 // a remote user store: the lock is held while others arrive
    const user = fleet.source.add(randomUUID())
    const before = await commandsProcessed()
    const started = performance.now()
    // Not awaiting ready(): each instance's first validations race its first change-log read.
    const answers = await Promise.all(
      fleet.instances.flatMap((cache: ValidationCache) =>
        Array.from({ length: 200 }, () => cache.validate(user, { issuedAt: Date.now() })),
      ),
    )
    const ms = performance.now() - started
    const commands = (await commandsProcessed()) - before - 1 // less the first INFO
    const verdicts: Record<string, number> = {}
    for (const { verdict } of answers) verdicts[verdict] = (verdicts[verdict] ?? 0) + 1
    console.log(
      `${label}: ${size} new instances × 200 cold requests → ${fleet.source.queries} source queries, ` +
        `${commands} Redis commands, verdicts ${JSON.stringify(verdicts)}, ${ms.toFixed(0)} ms`,
    )
    expect(fleet.source.queries, 'one source query for the whole fleet').toBe(1)
    expect(answers.every((a) => a.verdict === 'active')).toBe(true)
  }

  it('over Redis, 3 and 9 instances', async () => {
    const store = () => redisStore(server.url, { connectTimeoutMs: 1_000 })
    await storm(3, store, 'redis')
    await storm(9, store, 'redis')
  })

  it('also when no new instance could read the change log yet (a cold start on a slow link)', async () => {
    const store = () => {
      const chaos = chaosStore(redisStore(server.url, { connectTimeoutMs: 1_000 }))
      chaos.chaos.alwaysThrow(['readLog'], new Error('the first log read timed out (test)'))
      return chaos
    }
    await storm(3, store, 'redis, log unread')
    await storm(9, store, 'redis, log unread')
  })

  it('over Upstash (the REST bridge), with and without a subscription', async () => {
    const bridge = await startBridge({ redisUrl: server.url, token: `token-${randomUUID()}` })
    try {
      for (const subscribe of [true, false]) {
        const store = () => upstashStore({ url: bridge.url, token: bridge.token, timeoutMs: 1_000, subscribe })
        await storm(3, store, `upstash, subscribe: ${subscribe}`)
      }
    } finally {
      await bridge.close()
    }
  })
})
