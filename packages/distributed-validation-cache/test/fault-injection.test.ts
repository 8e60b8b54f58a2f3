import { randomUUID } from 'node:crypto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { ValidationResult } from '../src/cache.js'
import { createValidationCache } from '../src/cache.js'
import { memoryStore } from '../src/stores/memory.js'
import { upstashStore } from '../src/stores/upstash.js'
import { FleetSource } from './support/fleet-source.js'
import { freePort } from './support/redis-server.js'

/** Faults the other suites do not cover: a refused REST endpoint, and a clock that jumps. */
describe('fault injection', () => {
  afterEach(() => void vi.useRealTimers())

  it('Upstash refusing connections: every validation still answers correctly, from the source', async () => {
    const source = new FleetSource()
    // l1Ttl 1 ms: every round goes to the refused endpoint, not to this process's own copy.
    const cache = createValidationCache({
      source,
      store: upstashStore({ url: `http://127.0.0.1:${await freePort()}`, token: 't', subscribe: false }),
      secret: 'fault-injection-secret-1',
      storeTimeout: 500,
      l1Ttl: 1,
    })
    const active = Array.from({ length: 5 }, () => source.add(randomUUID()))
    const banned = source.add(randomUUID(), { bannedUntil: Date.now() + 60_000 })
    const results: ValidationResult[] = []
    for (let round = 0; round < 4; round++) {
      await new Promise((resolve) => setTimeout(resolve, 2)) // past the 1 ms L1 TTL
      results.push(...(await Promise.all([...active, banned].map((id) => cache.validate(id)))))
    }
    expect(source.queries).toBe(24) // every validation reached past L1 and the dead store, to the source
    expect(results.filter((r) => r.verdict === 'active')).toHaveLength(20) // none that should pass failed
    expect(results.filter((r) => r.verdict === 'banned')).toHaveLength(4) // the banned user never got in
    const stats = cache.stats()
    expect(stats.store.errors + stats.store.shortCircuited).toBeGreaterThan(0)
    expect(stats.breaker).toBe('open')
    await cache.close()
  })

  it('a clock that jumps across banned_until: banned exactly while the ban is in force', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    const start = new Date('2026-11-22T12:00:00Z').getTime()
    vi.setSystemTime(start)
    const source = new FleetSource()
    const cache = createValidationCache({ source, store: memoryStore(), negativeTtl: '10 m' })
    const user = source.add(randomUUID(), { bannedUntil: start + 60_000 })
    expect((await cache.validate(user)).verdict).toBe('banned')
    vi.setSystemTime(start + 61_000) // jumps past the ban's end: the cached state says when it ends
    expect(await cache.validate(user)).toMatchObject({ verdict: 'active', tier: 'l1' })
    vi.setSystemTime(start + 30_000) // jumps back (NTP correction): the ban is in force again
    expect((await cache.validate(user)).verdict).toBe('banned')
    expect(cache.stats().validations.byVerdict).toMatchObject({ banned: 2, active: 1 })
    await cache.close()
  })

  it('a clock stepped back cannot stretch how long L1 trusts an entry', async () => {
    const source = new FleetSource()
    const cache = createValidationCache({ source, store: memoryStore(), ttl: 150 })
    const user = source.add(randomUUID())
    expect((await cache.validate(user)).verdict).toBe('active')
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(Date.now() - 3_600_000) // NTP steps the wall clock an hour back
    source.update(user, { bannedUntil: Date.now() + 3_600_000 })
    await new Promise((resolve) => setTimeout(resolve, 200)) // real time passes beyond the TTL
    expect(await cache.validate(user)).toMatchObject({ verdict: 'banned', tier: 'source' })
    await cache.close()
  })
})
