import { describe, expect, it } from 'vitest'
import { StoreClock } from './store-clock.js'

describe('StoreClock', () => {
  it('reads the store 30 s ahead as a 30 s offset, from the reading with the shortest round trip', () => {
    const clock = new StoreClock()
    const t = StoreClock.local()
    clock.observe(t + 30_000 + 50, t, t + 100) // 100 ms round trip: ±50
    expect(clock.stats()).toEqual({ offsetMs: 30_000, uncertaintyMs: 50, readings: 1 })
    clock.observe(t + 29_000, t, t + 400) // a worse reading does not replace a better, recent one
    expect(clock.stats()).toMatchObject({ offsetMs: 30_000, uncertaintyMs: 50, readings: 2 })
    clock.observe(t - 30_000 + 5, t, t + 10) // a better one does: now 30 s behind
    expect(clock.stats()).toMatchObject({ offsetMs: -30_000, uncertaintyMs: 5 })
    expect(Math.abs(clock.now() - (StoreClock.local() - 30_000))).toBeLessThan(50)
  })

  it("calls an offset within the reading's uncertainty none: an HTTP Date is to the second", () => {
    const clock = new StoreClock()
    const t = StoreClock.local()
    clock.observe(Math.floor((t + 20) / 1000) * 1000, t, t + 40, 1_000)
    expect(clock.stats().offsetMs).toBe(0)
    clock.observe(Math.floor((t + 5_000) / 1000) * 1000, t, t + 2, 1_000) // 5 s ahead, to the second
    expect(Math.abs(clock.stats().offsetMs - 5_000)).toBeLessThanOrEqual(1_000)
  })

  it('ignores readings that are no readings: not a number, or a negative round trip', () => {
    const clock = new StoreClock()
    const t = StoreClock.local()
    clock.observe(Number.NaN, t, t + 1)
    clock.observe(t, t + 5, t)
    expect(clock.stats()).toEqual({ offsetMs: 0, uncertaintyMs: null, readings: 0 })
  })
})

describe('StoreClock, what it must never do', () => {
  it('never goes backwards, though a better reading lowers the offset', () => {
    const clock = new StoreClock()
    const t = StoreClock.local()
    clock.observe(t + 1_200, t, t + 400) // ±200: 1 s ahead
    const before = clock.now()
    clock.observe(t + 5, t, t + 10) // ±5: in fact in step
    expect(clock.stats().offsetMs).toBe(0)
    expect(clock.now()).toBeGreaterThanOrEqual(before)
  })

  it('stamps a revocation at the latest and a sign-in at the earliest the store may say', () => {
    const clock = new StoreClock()
    const t = StoreClock.local()
    clock.observe(Math.floor((t + 3_000) / 1000) * 1000, t, t + 40, 1_000) // an HTTP Date: ±520
    const [earliest, now, latest] = [clock.earliest(), clock.now(), clock.latest()]
    expect(now - earliest).toBeGreaterThanOrEqual(520)
    expect(latest - now).toBeGreaterThanOrEqual(520)
  })

  it('takes no broken reading: a null read as 0, an answer from another day', () => {
    const clock = new StoreClock()
    const t = StoreClock.local()
    clock.observe(0, t, t + 1)
    clock.observe(t + 3 * 86_400_000, t, t + 1)
    expect(clock.stats()).toEqual({ offsetMs: 0, uncertaintyMs: null, readings: 0 })
    expect(clock.read).toBe(false)
  })

  it('takes a reading on demand, and says when it has one', async () => {
    const clock = new StoreClock(async (c) =>
      c.observe(StoreClock.local() + 10_000, StoreClock.local(), StoreClock.local()),
    )
    expect(clock.read).toBe(false)
    await clock.takeReading()
    expect(clock.read).toBe(true)
    expect(Math.abs(clock.stats().offsetMs - 10_000)).toBeLessThan(5)
    await new StoreClock(async () => Promise.reject(new Error('down'))).takeReading() // never throws
  })
})

describe('StoreClock, before and after the first reading', () => {
  it("is free to go back on its first reading, and on a step beyond both readings' errors", () => {
    const clock = new StoreClock()
    const t = StoreClock.local()
    const unread = clock.now() // this process's own clock, 30 s ahead of the store's, say
    clock.observe(t - 30_000, t, t + 2)
    expect(clock.now()).toBeLessThan(unread - 29_000) // not held at the unread time
    const held = clock.now()
    clock.observe(StoreClock.local() + 60_000, StoreClock.local(), StoreClock.local() + 2) // the store was stepped
    expect(clock.now()).toBeGreaterThan(held + 89_000)
    clock.observe(StoreClock.local() - 60_000, StoreClock.local(), StoreClock.local() + 50) // and back, a worse reading
    expect(Math.abs(clock.now() - (StoreClock.local() - 60_000))).toBeLessThan(100)
  })
})
