import { describe, expect, it } from 'vitest'
import { CircuitBreaker, type BreakerState } from './circuit-breaker.js'

function breaker(failureThreshold = 3, cooldownMs = 1_000) {
  const transitions: BreakerState[] = []
  const b = new CircuitBreaker({ failureThreshold, cooldownMs, onStateChange: (s) => transitions.push(s) })
  return { b, transitions }
}

/** Opens the breaker at time `at` with `threshold` consecutive failures. */
function open(b: CircuitBreaker, threshold: number, at: number) {
  for (let i = 0; i < threshold; i++) {
    expect(b.allow(at)).toBe(true)
    b.failure(at)
  }
}

describe('CircuitBreaker', () => {
  it('starts closed and allows every call', () => {
    const { b, transitions } = breaker()
    expect(b.state).toBe('closed')
    for (let i = 0; i < 10; i++) expect(b.allow(0)).toBe(true)
    expect(transitions).toEqual([])
  })

  it('opens only after the threshold of consecutive failures', () => {
    const { b, transitions } = breaker(3)
    b.failure(0)
    b.failure(0)
    expect(b.state).toBe('closed')
    expect(b.allow(0)).toBe(true)
    b.failure(0)
    expect(b.state).toBe('open')
    expect(transitions).toEqual(['open'])
  })

  it('resets the count on a success in between', () => {
    const { b } = breaker(3)
    b.failure(0)
    b.failure(0)
    b.success()
    b.failure(0)
    b.failure(0)
    expect(b.state).toBe('closed')
    b.failure(0)
    expect(b.state).toBe('open')
  })

  it('uses 3 failures by default', () => {
    const b = new CircuitBreaker()
    b.failure(0)
    b.failure(0)
    expect(b.state).toBe('closed')
    b.failure(0)
    expect(b.state).toBe('open')
  })

  it('refuses every call while the cooldown runs', () => {
    const { b, transitions } = breaker(2, 1_000)
    open(b, 2, 10_000)
    for (const now of [10_000, 10_001, 10_500, 10_999]) expect(b.allow(now)).toBe(false)
    expect(b.state).toBe('open')
    expect(transitions).toEqual(['open'])
  })

  it('lets exactly one probe through once the cooldown is over', () => {
    const { b, transitions } = breaker(2, 1_000)
    open(b, 2, 10_000)
    expect(b.allow(11_000)).toBe(true)
    expect(b.state).toBe('half-open')
    expect(b.allow(11_000)).toBe(false)
    expect(b.allow(11_001)).toBe(false)
    expect(b.allow(99_999)).toBe(false)
    expect(transitions).toEqual(['open', 'half-open'])
  })

  it('closes when the probe succeeds, and then allows everything again', () => {
    const { b, transitions } = breaker(2, 1_000)
    open(b, 2, 0)
    expect(b.allow(1_000)).toBe(true)
    b.success()
    expect(b.state).toBe('closed')
    expect(b.allow(1_000)).toBe(true)
    expect(b.allow(1_000)).toBe(true)
    expect(transitions).toEqual(['open', 'half-open', 'closed'])
    b.failure(1_000) // the count started over: one failure does not re-open
    expect(b.state).toBe('closed')
  })

  it('re-opens on a failed probe, with a fresh cooldown from that failure', () => {
    const { b, transitions } = breaker(3, 1_000)
    open(b, 3, 0)
    expect(b.allow(1_500)).toBe(true)
    b.failure(1_500)
    expect(b.state).toBe('open')
    expect(b.allow(2_000)).toBe(false) // the first cooldown would have ended; the new one has not
    expect(b.allow(2_499)).toBe(false)
    expect(b.allow(2_500)).toBe(true)
    expect(b.state).toBe('half-open')
    b.success()
    expect(transitions).toEqual(['open', 'half-open', 'open', 'half-open', 'closed'])
  })

  it('probeNow() ends the cooldown early with one probe, and touches nothing unless open', () => {
    const { b, transitions } = breaker(1)
    b.probeNow()
    expect(b.state).toBe('closed')
    open(b, 1, 0)
    b.probeNow()
    expect(b.allow(10)).toBe(true) // 10 ms into a 1 s cooldown
    expect(b.allow(10)).toBe(false) // only the one probe
    b.success()
    expect(transitions).toEqual(['open', 'half-open', 'closed'])
  })

  it('reports every transition exactly once, in order', () => {
    const { b, transitions } = breaker(1, 100)
    b.failure(0) // closed → open
    b.failure(50) // already open: no new transition
    expect(b.allow(100)).toBe(true) // → half-open
    b.failure(100) // → open
    expect(b.allow(200)).toBe(true) // → half-open
    b.success() // → closed
    b.success() // already closed: nothing
    expect(transitions).toEqual(['open', 'half-open', 'open', 'half-open', 'closed'])
  })
})
