import { randomUUID } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { ValidationCache } from '../src/cache.js'
import { redisStore } from '../src/stores/redis.js'
import { startFleet } from './support/fleet.js'
import { OwnRedisServer, waitFor } from './support/redis-server.js'
import { redisAvailable } from './support/services.js'
import { TcpProxy, type Fault } from './support/tcp-proxy.js'

const redisUp = await redisAvailable()
const TTL = '60 s' // long: only the liveness proof can bring lockout under the TTL

/**
 * Issue 10: the network fails silently. Instance C reaches a redis-server of the test's own
 * through a TCP proxy that drops bytes and leaves sockets open; A and B connect directly. A user
 * banned through A must be refused on C within 2 s (the promise is 1 s; the figure is printed),
 * while C keeps admitting valid users (the user source stays reachable).
 */
describe.skipIf(!redisUp)('lockout when the network goes quiet instead of closing', () => {
  let redis: OwnRedisServer
  let proxy: TcpProxy
  beforeEach(async () => {
    redis = await OwnRedisServer.start()
    proxy = await new TcpProxy({ host: '127.0.0.1', port: redis.port }).start()
  })
  afterEach(async () => {
    await proxy?.stop()
    await redis?.stop()
  })

  const cases: [string, Fault, boolean][] = [
    ['(a) only the subscriber connection blackholed', { kind: 'blackhole' }, true],
    ['(b) every connection blackholed', { kind: 'blackhole' }, false],
    ['(c) every packet delayed by 500 ms', { kind: 'delay', ms: 500 }, false],
  ]

  it.each(cases)(
    '%s: a ban through another instance is refused within 2 s; valid users stay in',
    async (_, fault, onlySubscribers) => {
      let n = 0
      const fleet = startFleet(3, {
        ttl: TTL,
        storeTimeout: 250,
        store: () => redisStore(n++ === 2 ? proxy.url : redis.url, { connectTimeoutMs: 500 }),
      })
      const [a, , c] = fleet.instances as [ValidationCache, ValidationCache, ValidationCache]
      await fleet.ready()
      const banned = fleet.source.add(randomUUID())
      const valid = Array.from({ length: 5 }, () => fleet.source.add(randomUUID()))
      for (const user of [banned, ...valid])
        expect((await c.validate(user, { issuedAt: Date.now() })).verdict).toBe('active')
      // Warm: C's copies get older than the 1 s it trusts them for without a proof (time must pass here).
      const filledAt = performance.now()
      await waitFor(() => performance.now() - filledAt > 1_100, { intervalMs: 50, what: 'the copies to age' })
      expect(await c.sync()).toBe(true)
      expect((await c.validate(banned, { issuedAt: Date.now() })).tier).toBe('l1') // served from L1 on the proof

      proxy.set(fault, { onlySubscribers })
      fleet.source.update(banned, { bannedUntil: Date.now() + 3_600_000 })
      const bannedAt = performance.now()
      await a.refresh(banned) // what the webhook does after a ban in the user source
      const seen: string[] = []
      let lockoutMs = 0
      await waitFor(
        async () => {
          // The banned user first: a valid user's lookup waiting out a store timeout must not delay the figure.
          const refused = (await c.validate(banned, { issuedAt: Date.now() })).verdict === 'banned'
          if (refused) lockoutMs = performance.now() - bannedAt
          for (const user of valid) seen.push((await c.validate(user, { issuedAt: Date.now() })).verdict)
          return refused
        },
        { timeoutMs: 2_000, intervalMs: 10, what: 'C to refuse the banned user' },
      )
      console.log(
        `${_}: refused on C ${Math.round(lockoutMs)} ms after the ban; ${seen.length} valid validations meanwhile`,
      )
      expect(new Set(seen)).toEqual(new Set(['active']))
      for (const user of valid) expect((await c.validate(user, { issuedAt: Date.now() })).verdict).toBe('active')
      if (onlySubscribers) {
        // The log showed a change no broadcast delivered: C notices its subscription is deaf and replaces it.
        await waitFor(
          async () =>
            (await c.validate(valid[1]!, { issuedAt: Date.now() })) && c.stats().fleetLog.deafSubscriptions > 0,
          {
            timeoutMs: 6_000,
            intervalMs: 50,
            what: `C to find its subscription deaf: ${JSON.stringify([c.stats().fleetLog, c.stats().listening])}`,
          },
        )
      }

      // Healed: C is whole again — its proof comes back, and a later ban reaches it by broadcast.
      proxy.heal()
      await waitFor(() => c.sync(), { timeoutMs: 8_000, intervalMs: 100, what: 'a proof on C after the heal' })
      const later = valid[0]!
      fleet.source.update(later, { bannedUntil: Date.now() + 3_600_000 })
      await a.refresh(later)
      await waitFor(async () => (await c.validate(later, { issuedAt: Date.now() })).verdict === 'banned', {
        timeoutMs: 2_000,
        what: 'C to refuse after the heal',
      })
      expect(c.stats().tampered).toEqual({ badSignature: 0, corrupt: 0 }) // no reply was matched to another command
      if (fault.kind === 'blackhole' && !onlySubscribers) {
        // The lockout waited for a log read that failed, and a read succeeded after the heal: one deaf
        // period at least, counted with its length, now over.
        expect(c.stats().fleetLog.deafPeriods).toBeGreaterThan(0)
        expect(c.stats().fleetLog.deafMs).toBeGreaterThan(0)
        expect(c.stats().liveness.deafForMs).toBeNull()
      }
    },
    20_000,
  )

  it('a quiet fleet: a subscriber connection that went dead is found by its own PING while C serves, and replaced', async () => {
    let n = 0
    const fleet = startFleet(2, {
      ttl: TTL,
      storeTimeout: 250,
      store: () => redisStore(n++ === 1 ? proxy.url : redis.url, { connectTimeoutMs: 500 }),
    })
    const c = fleet.instances[1]!
    await fleet.ready()
    const user = fleet.source.add(randomUUID())
    await c.validate(user)
    proxy.set({ kind: 'blackhole' }, { onlySubscribers: true }) // nothing changes in the fleet: no broadcast goes missing
    const started = performance.now()
    await waitFor(async () => (await c.validate(user)) && c.stats().fleetLog.deafSubscriptions > 0, {
      timeoutMs: 20_000,
      intervalMs: 20,
      what: 'C to find its subscriber deaf by PING',
    })
    console.log(
      `quiet fleet: dead subscriber found ${Math.round(performance.now() - started)} ms after it went dead (PING every 10 s while busy)`,
    )
    await waitFor(() => !c.stats().listening, {
      timeoutMs: 5_000,
      what: 'C to stop claiming it listens (the new connection is blackholed too)',
    })
    expect(c.stats().broadcasts.received).toBe(0)
    expect(fleet.source.queries).toBe(1) // every answer came from L1, on the log's proof
  }, 40_000)
})
