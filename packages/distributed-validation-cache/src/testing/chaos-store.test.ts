import { describe, expect, it } from 'vitest'
import { memoryStore } from '../stores/memory.js'
import { chaosStore } from './chaos-store.js'

describe('chaosStore', () => {
  it('throws, delays and stalls the calls named, passes the rest through, heals, and counts every call', async () => {
    const store = chaosStore(memoryStore())
    expect(store.backend).toBe('memory') // and the metrics methods, untouched
    await store.set('k', 'v', { ttlMs: 10_000 })
    store.chaos.alwaysThrow(['get'], new Error('down'))
    await expect(store.get('k')).rejects.toThrow('down')
    await expect(store.set('k', 'w', { ttlMs: 10_000 })).resolves.toBe(true) // not named: goes through

    store.chaos.heal()
    store.chaos.delay(80, ['get'])
    const started = performance.now()
    expect(await store.get('k')).toBe('w')
    expect(performance.now() - started).toBeGreaterThanOrEqual(70)

    store.chaos.stall()
    const quiet = await Promise.race([
      store.get('k'),
      new Promise((resolve) => setTimeout(() => resolve('still quiet'), 200)),
    ])
    expect(quiet).toBe('still quiet') // never settles: only a timeout can tell
    store.chaos.heal()
    expect(await store.get('k')).toBe('w')
    expect(store.chaos.calls).toMatchObject({ get: 4, set: 2, publish: 0 })
  })
})
