import { describe, expect, it } from 'vitest'
import type { CacheEvent } from '../events.js'
import { withFleetLock } from './lock.js'
import { GuardedStore } from '../stores/guarded-store.js'
import { StateOrder } from './state-order.js'
import { SharedTier } from '../tiers/shared.js'
import { memoryStore } from '../stores/memory.js'
import { MISSING_USER } from '../user-state.js'

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
  return { events, holder: new SharedTier(store, options), reader: new SharedTier(store, options) }
}

describe('withFleetLock', () => {
  it('a reader that takes the lock just after the holder filled L2 and let go returns the fill, not a source query', async () => {
    const { events, holder, reader } = tiers()
    const fill = { state: MISSING_USER, checkedAt: Date.now(), freshUntil: Date.now() + 60_000 }
    expect(await reader.read(USER, Date.now())).toEqual({}) // the reader's miss…
    expect(await holder.tryLock(USER, 5_000)).toBe('acquired') // …then a whole holder's turn in the gap
    await holder.write(USER, fill, Date.now())
    await holder.unlock(USER)
    let ran = false
    const outcome = await withFleetLock(
      reader,
      USER,
      { ttlMs: 5_000, emit: (e) => void events.push(e), onFill: (filled) => ({ filled }) },
      async () => ((ran = true), null),
    )
    expect(ran).toBe(false) // the fill answered: no source query
    expect(outcome).toEqual({ filled: expect.objectContaining({ checkedAt: fill.checkedAt }) })
    expect(events).toContainEqual({ type: 'lock', outcome: 'waited-for-fill' })
    expect(await holder.tryLock(USER, 5_000)).toBe('acquired') // and the reader released the lock it took
  })

  it('a reader that finds no fill holds the lock while it works; a writer never looks for one; both release it', async () => {
    const { events, holder, reader } = tiers()
    const emit = (e: CacheEvent) => void events.push(e)
    const held = await withFleetLock(reader, USER, { ttlMs: 5_000, emit, onFill: () => 'filled' }, async (lock) => {
      expect(lock).toBe('acquired')
      return holder.tryLock(USER, 5_000) // another instance, meanwhile
    })
    expect(held).toBe('held')
    await holder.write(
      USER,
      { state: MISSING_USER, checkedAt: Date.now(), freshUntil: Date.now() + 60_000 },
      Date.now(),
    )
    await expect(
      withFleetLock(reader, USER, { ttlMs: 5_000, emit }, async (lock) => {
        expect(lock).toBe('acquired') // the fill in L2 is not a writer's answer
        throw new Error('the source failed')
      }),
    ).rejects.toThrow('the source failed')
    expect(await holder.tryLock(USER, 5_000)).toBe('acquired') // released after a throw too
  })

  it('runs work unlocked, without a lock command, when the store has just timed out on the slot', async () => {
    const { events, holder, reader } = tiers()
    expect(await holder.tryLock(USER, 5_000)).toBe('acquired')
    const lock = await withFleetLock(
      reader,
      USER,
      { ttlMs: 5_000, emit: (e) => void events.push(e), storeUnavailable: true },
      async (l) => l,
    )
    expect(lock).toBe('store-unavailable') // did not wait for the holder
    expect(await reader.tryLock(USER, 5_000)).toBe('held') // and did not release the holder's lock
  })
})
