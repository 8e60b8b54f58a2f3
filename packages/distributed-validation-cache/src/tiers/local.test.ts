import { afterEach, describe, expect, it, vi } from 'vitest'
import { LocalTier } from './local.js'
import { MISSING_USER } from '../user-state.js'

const NOW = 1_700_000_000_000
const entry = (freshForMs: number) => ({ state: MISSING_USER, checkedAt: NOW, freshUntil: NOW + freshForMs })

describe('LocalTier', () => {
  afterEach(() => vi.useRealTimers())
  const tier = () => new LocalTier({ maxSize: 10, graceMs: 1_000 })

  it("answers fresh within the entry TTL and the caller's max age, on the monotonic clock", () => {
    vi.useFakeTimers({ toFake: ['performance'] })
    const l1 = tier()
    l1.set('u', entry(500), NOW)
    expect(l1.fresh('u', 10_000)).toMatchObject({ state: MISSING_USER, checkedAt: NOW, freshUntil: NOW + 500 })
    vi.advanceTimersByTime(200)
    expect(l1.fresh('u', 100)).toBeUndefined() // older than this caller trusts
    expect(l1.fresh('u', 10_000)).toBeDefined()
    vi.advanceTimersByTime(300)
    expect(l1.fresh('u', 10_000)).toBeUndefined() // the entry's own TTL is spent
  })

  it('knows a stale entry until grace closes, then forgets it', () => {
    vi.useFakeTimers({ toFake: ['performance'] })
    const l1 = tier()
    l1.set('u', entry(500), NOW)
    vi.advanceTimersByTime(1_400)
    expect(l1.fresh('u', 10_000)).toBeUndefined()
    expect(l1.known('u')?.checkedAt).toBe(NOW)
    vi.advanceTimersByTime(200)
    expect(l1.known('u')).toBeUndefined()
    expect(l1.size).toBe(0)
  })

  it('does not store an entry whose grace has already closed', () => {
    const l1 = tier()
    l1.set('u', entry(-1_000), NOW)
    expect(l1.size).toBe(0)
    l1.set('v', entry(-999), NOW)
    expect(l1.known('v')).toBeDefined()
  })

  it('takes a copy: the caller mutating its entry later changes nothing', () => {
    const l1 = tier()
    const e = entry(500)
    l1.set('u', e, NOW)
    e.freshUntil = 0
    expect(l1.fresh('u', 10_000)?.freshUntil).toBe(NOW + 500)
  })
})
