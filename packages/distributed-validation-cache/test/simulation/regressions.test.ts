import { describe, expect, it } from 'vitest'
import { BOUND_MS } from './checks.js'
import { FIXED } from './regressions.js'
import { REVIEWED } from './reviewed.js'
import { runSchedule } from './runner.js'
import type { Schedule } from './schedule.js'

/**
 * The violations the simulation found, one test each, asserted (what each one was and what fixed
 * it: regressions.ts). One found and not fixed yet goes here as `it.fails` on the invariant it
 * breaks, so that its fix turns it red. The figures are printed.
 */
const measure = async (schedule: Schedule, name: string) => {
  const options = { assertLockout: false, assertLookups: false }
  const f = await runSchedule(schedule, options)
  console.log(`${name}: worst late ${f.worstLateMs} ms, lookups per lifetime ${f.maxLookupsPerLifetime}`)
  return f
}
const late = async (name: keyof typeof FIXED) => (await measure(FIXED[name], name)).worstLateMs
const lookups = async (name: keyof typeof FIXED) => (await measure(FIXED[name], name)).maxLookupsPerLifetime

describe('violations found by the simulation, fixed', () => {
  it('(a) faults: a fill broadcast delivered late, after the ban, is no longer trusted on its own', async () => {
    expect(await late('lateFill')).toBeLessThanOrEqual(BOUND_MS)
  })

  it('(a) faults + attacker: a recorded fill republished to an instance deaf during the ban is refused', async () => {
    expect(await late('deafThenRepublish')).toBeLessThanOrEqual(BOUND_MS)
  })

  it('(a) faults + attacker: a serverless instance that missed the ban reads the log before a replay', async () => {
    expect(await late('replayToStaleServerless')).toBeLessThanOrEqual(BOUND_MS)
  })

  it('(b) healthy: a new instance’s first lookup of a logged user fills L2', async () => {
    expect(await lookups('coldStartFill')).toBeLessThanOrEqual(1)
  })

  it('(b) healthy: a serverless instance’s catch-up log read leaves a lookup’s fill', async () => {
    expect(await lookups('catchUpVoidsFill')).toBeLessThanOrEqual(1)
  })

  it('(b) healthy sub-millisecond links: a change’s own entry is newer than its forewarning', async () => {
    expect(await lookups('zeroLatencyForewarn')).toBeLessThanOrEqual(1)
  })

  it('(b) healthy, quiet fleet: a change log begun anew after it expired costs no instance its L1', async () => {
    expect(await lookups('quietLogExpiry')).toBeLessThanOrEqual(1)
  })

  it('(b) healthy, on a clock moving in whole ms: a first log read in the lookup’s ms leaves its fill', async () => {
    expect(await lookups('coarseClock')).toBeLessThanOrEqual(1)
  })
})

describe('violations found by review of those fixes, fixed', () => {
  const late = async (name: keyof typeof REVIEWED) => (await measure(REVIEWED[name], name)).worstLateMs

  it('(a) found: a slow read sent before a ban, answered after another stamp, stays older than the ban', async () => {
    expect(await late('afterLiftsPreBanRead')).toBeLessThanOrEqual(BOUND_MS)
  })

  it('(a) faults: a lookup whose log read failed does not believe a replayed entry (serverless)', async () => {
    expect(await late('failedLogReadBelievesReplay')).toBeLessThanOrEqual(BOUND_MS)
  })

  it('(a) open: a log gap that looks like expiry still forgets L1 (serverless)', async () => {
    expect(await late('gapTakenForExpiry')).toBeLessThanOrEqual(BOUND_MS)
  })
})
