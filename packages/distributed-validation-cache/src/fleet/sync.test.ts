import { describe, expect, it } from 'vitest'
import { StateOrder } from './state-order.js'
import { FleetSync } from './sync.js'

describe('FleetSync, hearing broadcasts', () => {
  const timing = { windowMs: 1_000, renewAfterMs: 800 }
  const setup = () => {
    const forgotten: string[] = []
    const order = new StateOrder({ max: 2, keepMs: 60_000 })
    const sync = new FleetSync({
      channel: null,
      proof: { listening: timing, deaf: timing },
      order,
      emit: () => undefined,
      now: () => 1_000_000,
      forget: (userId) => forgotten.push(userId),
      forgetAll: () => undefined,
    })
    return { sync, order, forgotten }
  }
  const message = (userId: string, order: number) => ({
    kind: 'invalidate' as const,
    userId,
    origin: 'o',
    order,
    logId: '',
  })

  it('ignores a broadcast older than anything still served: it cannot push a live order out of memory', () => {
    const { sync, order, forgotten } = setup()
    sync.heard(message('banned', 999_000))
    for (const user of ['a', 'b', 'c']) sync.heard(message(user, 1_000_000 - 60_001)) // recorded long ago
    expect(forgotten).toEqual(['banned'])
    expect(order.isOlder('banned', 998_000)).toBe(true) // still known, not pushed out
    expect(order.isOlder('a', 1)).toBe(false) // never taken in
  })

  it('takes in a broadcast within the keep window', () => {
    const { sync, order, forgotten } = setup()
    sync.heard(message('u', 1_000_000 - 59_000))
    expect(forgotten).toEqual(['u'])
    expect(order.isOlder('u', 1_000_000 - 59_001)).toBe(true)
  })
})
