import { describe, expect, it } from 'vitest'
import { createValidationCache } from '../cache.js'
import type { Store } from '../stores/store.js'
import { memoryStore } from '../stores/memory.js'
import { chaosStore } from '../testing/chaos-store.js'
import { healthHandler } from './observability-handlers.js'

const failingStore = (): Store => {
  const store = chaosStore(memoryStore())
  store.chaos.alwaysThrow(['get'], new Error('cache down'))
  return store
}
const source = (up: boolean) => ({
  name: 'x',
  fetchUser: async () => (up ? null : Promise.reject(new Error('store down'))),
  setSessionsRevokedAt: async () => undefined,
})

describe('healthHandler', () => {
  it.each([
    [true, true, 200, 'ok'],
    [false, true, 200, 'degraded'],
    [true, false, 200, 'degraded'],
    [false, false, 503, 'down'],
  ])('cache up %s, user source up %s → %i %s', async (cacheUp, sourceUp, status, word) => {
    const cache = createValidationCache({
      store: cacheUp ? memoryStore() : failingStore(),
      source: source(sourceUp),
      secret: 'health-test-secret-123',
    })
    const response = await healthHandler({ cache, source: 'postgres' })()
    expect(response.status).toBe(status)
    expect(await response.json()).toEqual({
      status: word,
      backend: 'memory',
      source: 'postgres',
      checks: { cache: cacheUp ? 'ok' : 'down', source: sourceUp ? 'ok' : 'down' },
      listening: true,
      liveness: { proven: true, proofAgeMs: 0, deafForMs: null, coveredSince: null, heartbeat: null }, // one in-process store: no fleet to miss
    })
  })

  it('takes its context from a function, asked once per request: a route file is one line', async () => {
    const cache = createValidationCache({
      store: memoryStore(),
      source: source(true),
      secret: 'health-test-secret-123',
    })
    let asked = 0
    const GET = healthHandler(async () => (asked++, { cache, source: 'postgres' }))
    expect(asked).toBe(0) // nothing built when the route module loads (or during next build)
    expect((await GET()).status).toBe(200)
    expect((await GET()).status).toBe(200)
    expect(asked).toBe(2)
  })
})
