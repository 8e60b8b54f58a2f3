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

describe('StateOrder, full', () => {
  it('judges a user pushed out by the newest order evicted while kept (the floor), never admitting', () => {
    const order = new StateOrder({ max: 2, keepMs: 60_000 })
    order.saw('banned', 500)
    order.saw('a', 100)
    order.saw('b', 200) // pushes out 'banned': the floor rises to 500
    expect(order.isOlder('banned', 400)).toBe(true) // its pre-ban state, written back, is refused
    expect(order.isOlder('never-seen', 499)).toBe(true) // costs a source query…
    expect(order.isOlder('never-seen', 500)).toBe(false) // …and a state read since is believed
    expect(order.saw('banned', 300)).toBe(false) // an old broadcast does not bring back a lower order
    expect(order.isOlder('banned', 400)).toBe(true)
    expect(order.saw('banned', 600)).toBe(true)
    expect(order.isOlder('banned', 550)).toBe(true)
  })

  it('does not raise the floor for an order that aged out (past keepMs it supersedes nothing served)', () => {
    const order = new StateOrder({ max: 10, keepMs: 1 })
    order.saw('u', 500)
    const until = performance.now() + 5
    while (performance.now() < until); // the 1 ms keep window passes (lru-cache ages on the monotonic clock)
    expect(order.isOlder('u', 400)).toBe(false)
    expect(order.isOlder('v', 400)).toBe(false)
  })
})
