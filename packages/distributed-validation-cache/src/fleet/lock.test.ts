import { describe, expect, it } from 'vitest'
import type { CacheEvent } from '../events.js'
import { acquireFleetLock } from './lock.js'
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

describe('acquireFleetLock', () => {
  it('a reader that takes the lock just after the holder filled L2 and let go returns the fill, not a source query', async () => {
    const { events, holder, reader } = tiers()
    const fill = { state: MISSING_USER, checkedAt: Date.now(), freshUntil: Date.now() + 60_000 }
    expect(await reader.read(USER, Date.now())).toEqual({}) // the reader's miss…
    expect(await holder.tryLock(USER, 5_000)).toBe('acquired') // …then a whole holder's turn in the gap
    await holder.write(USER, fill, Date.now())
    await holder.unlock(USER)
    const outcome = await acquireFleetLock(reader, USER, {
      ttlMs: 5_000,
      acceptFill: true,
      emit: (e) => events.push(e),
    })
    expect(outcome).toEqual({ filled: expect.objectContaining({ checkedAt: fill.checkedAt }) })
    expect(events).toContainEqual({ type: 'lock', outcome: 'waited-for-fill' })
    expect(await holder.tryLock(USER, 5_000)).toBe('acquired') // and the reader released the lock it took
  })

  it('a reader that finds no fill keeps the lock; a writer (no acceptFill) never looks for one', async () => {
    const { events, holder, reader } = tiers()
    expect(await acquireFleetLock(reader, USER, { ttlMs: 5_000, acceptFill: true, emit: (e) => events.push(e) })).toBe(
      'acquired',
    )
    expect(await holder.tryLock(USER, 5_000)).toBe('held')
    await reader.unlock(USER)
    await holder.write(
      USER,
      { state: MISSING_USER, checkedAt: Date.now(), freshUntil: Date.now() + 60_000 },
      Date.now(),
    )
    expect(await acquireFleetLock(reader, USER, { ttlMs: 5_000, acceptFill: false, emit: (e) => events.push(e) })).toBe(
      'acquired',
    )
  })
})
