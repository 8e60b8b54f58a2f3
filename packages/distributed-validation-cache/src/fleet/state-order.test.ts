import { describe, expect, it } from 'vitest'
import { StateOrder } from './state-order.js'

describe('StateOrder', () => {
  it('keeps the newest order per user and calls anything older older', () => {
    const order = new StateOrder({ max: 10, keepMs: 60_000 })
    expect(order.isOlder('u', 1)).toBe(false) // nothing seen: nothing to refuse
    expect(order.saw('u', 100)).toBe(true)
    expect(order.saw('u', 50)).toBe(false) // an older one does not move it back
    expect(order.saw('u', 100)).toBe(false)
    expect(order.isOlder('u', 99)).toBe(true)
    expect(order.isOlder('u', 100)).toBe(false)
    expect(order.isOlder('v', 1)).toBe(false)
    expect(order.saw('u', 150)).toBe(true)
    expect(order.isOlder('u', 120)).toBe(true)
  })
})
