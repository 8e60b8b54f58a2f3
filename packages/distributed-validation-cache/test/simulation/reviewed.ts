import { FIXED, PASSING } from './regressions.js'
import type { Schedule, Step } from './schedule.js'

/**
 * Violations an independent review found in the fixes of FIXED (regressions.ts), written as
 * schedules for the simulation, and fixed: each says what it was and what fixed it. Run first in
 * their profile's property (pushed onto PASSING below) and on their own in regressions.test.ts.
 */
const validate = (instance: number, user = 0): Step => ({ kind: 'validate', instance, user, session: 0, count: 1 })
const advance = (ms: number): Step => ({ kind: 'advance', ms })

export const REVIEWED = {
  afterLiftsPreBanRead: {
    profile: 'found',
    seed: 7,
    users: 2,
    config: 0,
    sourceLatency: 30,
    l1MaxSize: 1_000,
    instances: 2,
    latency: [0, 0],
    subscribe: [true, false],
    steps: [
      validate(1, 1),
      advance(100),
      validate(1),
      advance(1),
      { kind: 'change', instance: 0, user: 0, what: 'ban' },
      { kind: 'attack', op: 'del-lock', user: 0, pick: 0 },
      advance(5),
      { kind: 'change', instance: 1, user: 1, what: 'unban' },
      advance(1_030),
      { kind: 'attack', op: 'replay', user: 0, pick: 0 },
      { kind: 'burst', user: 0, session: 0 },
      advance(2_500),
      { kind: 'burst', user: 0, session: 0 },
    ],
  } satisfies Schedule,
  /**
   * FIXED.replayToStaleServerless with the log key SET to a string before the replay (and again
   * every 5 s), on the default TTL (config 1): the serverless instance's lookup reads the log beside
   * L2, the read fails, and `believed` judged by `p.sync.seeded` — true since its first read — so
   * the replay was believed without the ban's order: 295 s late (the replayed entry's freshness).
   * Fixed: a lookup whose log read failed judges L2 as unseeded unless a read since proves the
   * instance (fleet/shared-lookup.ts `believed`): the source is asked, under the lock.
   */
  failedLogReadBelievesReplay: {
    ...FIXED.replayToStaleServerless,
    config: 1,
    steps: [
      ...FIXED.replayToStaleServerless.steps.slice(0, -2),
      ...Array.from({ length: 60 }, (): Step[] => [
        { kind: 'attack', op: 'set-log', user: 0, pick: 0 },
        validate(1),
        advance(5_000),
      ]).flat(),
    ],
  } satisfies Schedule,
  /**
   * sync.ts #restart: i1 (serverless) read the log at ~0 (cursor: change #1), fills user 0 at
   * 21 s and goes idle; the ban at 21.15 s is logged; change #3 at 30.05 s (≥ cursor + keepMs, 30 s).
   * The entries up to and including the ban go — here by XDEL standing in for a MAXLEN trim, an
   * eviction or a DEL of the log .
   * The gap looked like natural expiry, nothing was forgotten, the read proved i1 and its L1 copy
   * was served `active` until its TTL: 9.7 s late.
   * Fixed: any gap forgets L1 (sync.ts #restart), also one that looks like expiry. Real Redis:
   * test/log-gap.test.ts.
   */
  gapTakenForExpiry: {
    profile: 'open',
    seed: 7,
    users: 2,
    config: 0,
    sourceLatency: 1,
    l1MaxSize: 1_000,
    instances: 2,
    latency: [1, 1],
    subscribe: [true, false],
    steps: [
      { kind: 'change', instance: 0, user: 1, what: 'unban' },
      advance(50),
      validate(1, 1),
      advance(21_000),
      validate(1),
      advance(100),
      { kind: 'change', instance: 0, user: 0, what: 'ban' },
      advance(8_900),
      { kind: 'change', instance: 0, user: 1, what: 'unban' },
      advance(50),
      { kind: 'attack', op: 'xdel-any', user: 0, pick: 0 },
      { kind: 'attack', op: 'xdel-any', user: 0, pick: 0 },
      ...Array.from({ length: 4 }, (): Step[] => [validate(1), advance(250)]).flat(),
    ],
  } satisfies Schedule,
}

PASSING.found.push(REVIEWED.afterLiftsPreBanRead)
PASSING.faults.push(REVIEWED.failedLogReadBelievesReplay)
PASSING.open.push(REVIEWED.gapTakenForExpiry)
