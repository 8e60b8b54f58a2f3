import { describe, expect, it } from 'vitest'
import type { CacheEvent } from '../events.js'
import { withFleetLock } from './lock.js'
import { GuardedStore } from '../stores/guarded-store.js'
import { StateOrder } from './state-order.js'
import { SharedTier } from '../tiers/shared.js'
import { memoryStore } from '../stores/memory.js'

const USER = '3f1c2a9e-8d4b-4c6a-9e2f-1b7d5a0c4e8f'

function tiers() {
  const events: CacheEvent[] = []
  const emit = (event: CacheEvent) => void events.push(event)
  const store = new GuardedStore(memoryStore(), { timeoutMs: 1_000, emit })
  const options = {
    prefix: 'lock-test:',
    secret: 'fleet-lock-test-secret',
    graceMs: 60_000,
    order: new StateOrder({ max: 10, keepMs: 60_000 }),
    emit,
  }
  return { events, emit, holder: new SharedTier(store, options), writer: new SharedTier(store, options) }
}

describe('withFleetLock (a writer’s turn)', () => {
  it('holds the lock while it works and releases it, after a throw too', async () => {
    const { emit, events, holder, writer } = tiers()
    const held = await withFleetLock(writer, USER, { ttlMs: 5_000, emit }, async (lock) => {
      expect(lock).toBe('acquired')
      return holder.tryLock(USER, 5_000) // another instance, meanwhile
    })
    expect(held).toBe('held')
    expect(events).toContainEqual({ type: 'lock', outcome: 'acquired' })
    await expect(
      withFleetLock(writer, USER, { ttlMs: 5_000, emit }, async () => {
        throw new Error('the source failed')
      }),
    ).rejects.toThrow('the source failed')
    expect(await holder.tryLock(USER, 5_000)).toBe('acquired') // released after the throw
  })

  it('waits for a holder, and past the lock’s TTL runs without it, leaving the holder’s lock alone', async () => {
    const { emit, events, holder, writer } = tiers()
    expect(await holder.tryLock(USER, 60_000)).toBe('acquired') // a stuck holder
    const started = performance.now()
    const lock = await withFleetLock(writer, USER, { ttlMs: 100, emit }, async (l) => l)
    expect(lock).toBe('taken-over')
    expect(performance.now() - started).toBeGreaterThanOrEqual(90)
    expect(events).toContainEqual({ type: 'lock', outcome: 'took-over' })
    expect(await writer.tryLock(USER, 5_000)).toBe('held') // not released by the writer
  })

  it('waits no more than it must: a holder that lets go hands the lock over', async () => {
    const { emit, holder, writer } = tiers()
    expect(await holder.tryLock(USER, 60_000)).toBe('acquired')
    setTimeout(() => void holder.unlock(USER), 50)
    expect(await withFleetLock(writer, USER, { ttlMs: 5_000, emit }, async (l) => l)).toBe('acquired')
  })
})
