import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBridge, type Bridge } from 'upstash-rest-bridge'
import type { ValidationCache } from '../src/cache.js'
import { upstashStore } from '../src/stores/upstash.js'
import { startFleet } from './support/fleet.js'
import { waitFor } from './support/redis-server.js'
import { REDIS_URL, redisAvailable } from './support/services.js'
import { TcpProxy, type Fault } from './support/tcp-proxy.js'

const redisUp = await redisAvailable()

/**
 * Issue 10 on Upstash: instance C's server-sent event stream goes quiet while its REST commands
 * still work — a buffering proxy that passes the 200 and its headers and nothing more, or a
 * stream that stalls after working for a while. C reaches the bridge through a TCP proxy of the
 * test's own; A and B directly. TTL 60 s: only the change-log proof can bound lockout.
 */
describe.skipIf(!redisUp)('lockout when the Upstash SSE stream goes quiet', () => {
  let bridge: Bridge
  beforeAll(async () => void (bridge = await startBridge({ redisUrl: REDIS_URL, token: `token-${randomUUID()}` })))
  afterAll(() => bridge.close())

  async function fleetWithProxiedC(fault?: Fault) {
    const port = Number(new URL(bridge.url).port)
    const proxy = await new TcpProxy({ host: '127.0.0.1', port }).start()
    if (fault) proxy.set(fault, { onlySubscribers: true })
    let n = 0
    const fleet = startFleet(3, {
      ttl: '60 s',
      store: () =>
        upstashStore({
          url: n++ === 2 ? `http://127.0.0.1:${proxy.port}` : bridge.url,
          token: bridge.token,
          timeoutMs: 300,
        }),
    })
    return { proxy, fleet, instances: fleet.instances as [ValidationCache, ValidationCache, ValidationCache] }
  }

  /** Warms C, lets its copies age past the 1 s it trusts them unproven, bans through A; the lockout on C in ms. */
  async function banAndTime(fleet: ReturnType<typeof startFleet>, [a, , c]: ValidationCache[]) {
    const banned = fleet.source.add(randomUUID())
    const valid = Array.from({ length: 3 }, () => fleet.source.add(randomUUID()))
    for (const user of [banned, ...valid])
      expect((await c!.validate(user, { issuedAt: Date.now() })).verdict).toBe('active')
    const filledAt = performance.now()
    await waitFor(() => performance.now() - filledAt > 1_100, { intervalMs: 50, what: 'the copies to age' })
    expect(await c!.sync()).toBe(true)
    expect((await c!.validate(banned, { issuedAt: Date.now() })).tier).toBe('l1')
    fleet.source.update(banned, { bannedUntil: Date.now() + 3_600_000 })
    const bannedAt = performance.now()
    await a!.refresh(banned)
    let lockoutMs = 0
    const seen: string[] = []
    await waitFor(
      async () => {
        const refused = (await c!.validate(banned, { issuedAt: Date.now() })).verdict === 'banned'
        if (refused) lockoutMs = Math.round(performance.now() - bannedAt)
        for (const user of valid) seen.push((await c!.validate(user, { issuedAt: Date.now() })).verdict)
        return refused
      },
      { timeoutMs: 2_000, intervalMs: 10, what: 'C to refuse the banned user' },
    )
    expect(new Set(seen)).toEqual(new Set(['active']))
    return lockoutMs
  }

  it('headers then silence from the start: ready() settles within 5 s, C never listens, lockout within 2 s', async () => {
    const { proxy, fleet, instances } = await fleetWithProxiedC({ kind: 'headers-only' })
    const started = performance.now()
    await fleet.ready()
    const settledMs = Math.round(performance.now() - started)
    expect(settledMs).toBeLessThan(7_000) // the confirmation deadline is 5 s
    expect(instances.map((i) => i.stats().listening)).toEqual([true, true, false])
    const lockoutMs = await banAndTime(fleet, instances)
    console.log(
      `stalled from the start: ready() settled in ${settledMs} ms; refused on C ${lockoutMs} ms after the ban`,
    )
    expect(instances[2].stats().listening).toBe(false)
    await proxy.stop()
  }, 30_000)

  it('a stream that stalls after working: lockout within 2 s, C finds it deaf, stops claiming to listen, and recovers', async () => {
    const { proxy, fleet, instances } = await fleetWithProxiedC()
    const [a, , c] = instances
    await fleet.ready()
    expect(c.stats().listening).toBe(true)
    // Working: a ban reaches C by broadcast.
    const first = fleet.source.add(randomUUID())
    await c.validate(first)
    fleet.source.update(first, { bannedUntil: Date.now() + 3_600_000 })
    await a.refresh(first)
    await waitFor(() => c.stats().broadcasts.received > 0, { timeoutMs: 2_000, what: 'a broadcast on C' })

    proxy.set({ kind: 'blackhole' }, { onlySubscribers: true }) // the stream stays open; nothing arrives
    const lockoutMs = await banAndTime(fleet, instances)
    const received = c.stats().broadcasts.received
    console.log(`stalled after working: refused on C ${lockoutMs} ms after the ban (broadcasts received: ${received})`)
    // The log showed a change the stream never delivered: C ends the stream and opens another,
    // which the proxy blackholes too — so C says it is not listening.
    // (Validating a copy older than 1 s is what makes C read the log.)
    await waitFor(async () => (await c.validate(first)) && c.stats().fleetLog.deafSubscriptions > 0, {
      timeoutMs: 6_000,
      intervalMs: 50,
      what: 'C to find its stream deaf',
    })
    await waitFor(() => !c.stats().listening, { timeoutMs: 3_000, what: 'C to stop claiming it listens' })

    proxy.heal()
    await waitFor(() => c.stats().listening, { timeoutMs: 10_000, intervalMs: 50, what: 'C to listen again' })
    const later = fleet.source.add(randomUUID())
    await c.validate(later)
    fleet.source.update(later, { bannedUntil: Date.now() + 3_600_000 })
    await a.refresh(later)
    await waitFor(() => c.stats().broadcasts.received > received, {
      timeoutMs: 2_000,
      what: 'a broadcast on C after the heal',
    })
    expect((await c.validate(later)).verdict).toBe('banned')
    await proxy.stop()
  }, 40_000)

  it('a quiet fleet: a stream that stalls is found by a probe published and never heard back, and replaced', async () => {
    const { proxy, fleet, instances } = await fleetWithProxiedC()
    const c = instances[2]
    await fleet.ready()
    const user = fleet.source.add(randomUUID())
    await c.validate(user)
    proxy.set({ kind: 'blackhole' }, { onlySubscribers: true }) // nothing changes in the fleet: no broadcast goes missing
    const started = performance.now()
    await waitFor(async () => (await c.validate(user)) && c.stats().fleetLog.deafSubscriptions > 0, {
      timeoutMs: 20_000,
      intervalMs: 20,
      what: 'C to find its stream deaf',
    })
    console.log(
      `quiet fleet on Upstash: stalled stream found ${Math.round(performance.now() - started)} ms after it stalled (a probe every 10 s while busy)`,
    )
    expect(instances[0].stats().broadcasts.rejected).toBe(0) // the other instances heard C's probes and left them alone
    expect(fleet.source.queries).toBe(1) // every answer came from L1, on the log's proof
    await proxy.stop()
  }, 40_000)
})
