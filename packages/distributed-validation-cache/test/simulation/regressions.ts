import type { Profile, Schedule, Step } from './schedule.js'

/**
 * Schedules the simulation found (shrunk by fast-check, seed and path noted), or that were written
 * down to pin what it found, as plain data: a seed only replays while the arbitraries stay the same.
 */
const LINKS = { latency: [1, 1, 1, 1, 1, 1, 1, 1], subscribe: [true, true, true, true, true, true, true, true] }
const base = { seed: 7, users: 1, config: 0, sourceLatency: 1, l1MaxSize: 1_000, ...LINKS } as const
const advances = (...ms: number[]): Step[] => ms.map((m) => ({ kind: 'advance', ms: m }))
const validate = (instance: number): Step => ({ kind: 'validate', instance, user: 0, session: 0, count: 1 })
const burst: Step = { kind: 'burst', user: 0, session: 0 }
const ban = (instance: number): Step => ({ kind: 'change', instance, user: 0, what: 'ban' })

/** Must hold: run as `examples` of their profile's property in simulation.test.ts. */
export const PASSING: Record<Profile, Schedule[]> = {
  healthy: [
    // Seed 460854867: an unseeded instance's first log read forgot the user in the millisecond its
    // lookup began, and a whole-millisecond monotonic clock called that "during the lookup": its
    // refresh-ahead fill went unwritten and every validation of that ms asked the source. Holds on
    // Node's clock (the coarse one is a known failure, regressions.test.ts).
    {
      ...base,
      profile: 'healthy',
      coldStart: true,
      instances: 2,
      config: 0,
      latency: [0, 0],
      subscribe: [true, false],
      sourceLatency: 0,
      steps: [ban(0), ...advances(800, 1_000), validate(3), ...advances(0), validate(13), validate(0)],
    },
    // Seed -1484644575: lookups in flight while a ban is told may not write what they read (it may
    // predate the ban), so the next instance asks again: counted as the change's, not as a second lookup.
    {
      ...base,
      profile: 'healthy',
      coldStart: true,
      instances: 2,
      latency: [0, 3],
      subscribe: [false, false],
      sourceLatency: 0,
      steps: [burst, ban(0), ...advances(0)],
    },
  ],
  faults: [],
  found: [],
  open: [
    // Seed -61375292: XDEL on a log key SET to a string is refused by Redis (the attacker's harness threw).
    {
      ...base,
      profile: 'open',
      instances: 2,
      latency: [0, 0],
      subscribe: [false, false],
      sourceLatency: 0,
      steps: [
        { kind: 'attack', op: 'set-log', user: 0, pick: 0 },
        { kind: 'attack', op: 'xdel-newest', user: 0, pick: 0 },
        ...advances(0),
      ],
    },
  ],
}

/**
 * Violations the simulation found and the engine was fixed for: each says what it was and what
 * fixed it. Run first, as `examples` of their profile's property (pushed onto PASSING below), and
 * on their own in regressions.test.ts, asserted.
 */
export const FIXED = {
  /**
   * (a) under a fault, no attacker: i1's broadcasts arrive 1.5 s late (a stalled stream that then
   * flushes, in order). i0's refresh-ahead fill (read at 9 990 ms, user active) reaches i1 after the
   * ban (10 290 ms) is visible; i1 still holds the user, so onFill (assembly.ts) renews its L1 copy,
   * which is then trusted 1 s on its own — no log read — and i1 answers `active` 1 377 ms after
   * the ban was visible. The ban's own broadcasts arrive 300 ms after the fill and end it.
   * Fixed: a fill that came by broadcast is trusted on its own only for the short window counted
   * from its source read (LocalTier.set `knownAt`), so a late one is served only while proven.
   */
  lateFill: {
    ...base,
    profile: 'faults',
    instances: 2,
    steps: [
      burst,
      ...advances(10, 9_500, 250, 200, 30),
      { kind: 'fault', instance: 1, fault: { kind: 'late', ms: 1_500 }, ms: 6_000 },
      validate(0),
      ...advances(300),
      ban(0),
      ...advances(1_000, 250, 100, 30, 10),
      validate(1),
    ],
  } satisfies Schedule,
  /**
   * (a) under a fault plus a defended attacker op: i1's subscription is silently deaf (100–2 600 ms)
   * while i2 fills L2 anew (its fill broadcast, recorded by the attacker, reaches i0 only) and the
   * ban is told through i0. Healed, i1 is idle — no validation, so no log read — and still holds the
   * user's older copy. The attacker republishes the recorded fill: i1 takes it as newer than its
   * copy, renews L1, and answers `active` for a second, as late as the attacker likes within the
   * fill's freshness (the TTL): here 8.8 s after the ban was visible.
   * Fixed as lateFill: the republished fill is seconds old, so it is served only while proven, and
   * the beat that proves i1 first makes it read the log, ban included.
   */
  deafThenRepublish: {
    ...base,
    profile: 'faults',
    instances: 3,
    steps: [
      burst,
      ...advances(100),
      { kind: 'fault', instance: 1, fault: { kind: 'deaf' }, ms: 2_500 },
      { kind: 'attack', op: 'del-entry', user: 0, pick: 0 },
      { kind: 'restart', instance: 2 },
      validate(2),
      ...advances(30),
      ban(0),
      ...advances(4_000, 4_000, 800),
      { kind: 'attack', op: 'republish', user: 0, pick: 1 },
      ...advances(5),
      validate(1),
    ],
  } satisfies Schedule,
  /**
   * (b) on a healthy network whose links answer within the millisecond (seed 139001119): the ban's
   * forewarn orders "everything read before its millisecond + 1" older, so the instances that heard
   * it refuse the ban's own L2 entry, read in that same millisecond; the one that locks reads the
   * source in that millisecond too and may not write it (older again); the next waits one look
   * (60 ms since 820c5b4, 250 before) for a fill that never comes and asks the source a second time.
   * One extra lookup per change and a slow validation, never an admission — maybe some of the
   * "waiters of a revocation not woken by its broadcast" that commit mentions.
   * Fixed: a change's re-read is stamped after its own forewarning's order (source-query.ts
   * readStamps `after`).
   */
  zeroLatencyForewarn: {
    ...base,
    profile: 'healthy',
    coldStart: true,
    instances: 5,
    latency: [0, 0, 0, 0, 0],
    subscribe: [false, false, true, false, true],
    sourceLatency: 0,
    steps: [ban(0), ...advances(0), burst, ...advances(0)],
  } satisfies Schedule,
  /**
   * (b) on a healthy network (seed 17, run 306 of the healthy property, cold): a change-log read
   * that applies a change to a user while a lookup of that user is in flight — a new instance's
   * first read (it runs beside the lookup, shared-lookup.ts), or a serverless instance's catch-up
   * (catchUpVoidsFill) — forgets the user (sync.ts #apply → invalidateLocally) and so marks them
   * invalidated after the lookup began. The lookup's source read, made after the change, is then
   * "possibly older than a change": its fill is not written, and the next instance asks the source
   * again. One extra query per such read and changed user (the log keeps TTL + grace); never an
   * admission. Healthy schedules warm up (one sync()) and subscribe every instance because of it.
   * Fixed: only a change heard after the fill's query was sent voids it (shared-lookup.ts
   * queryAndFill): every change is in the source before it is announced.
   */
  coldStartFill: {
    ...base,
    profile: 'healthy',
    coldStart: true,
    instances: 2,
    subscribe: [false, false],
    sourceLatency: 0,
    steps: [ban(1), { kind: 'idle', ttls: 0.5 }, burst, validate(0)],
  } satisfies Schedule,
  /**
   * (b) coldStartFill's mechanism on a warm serverless instance (seed 17, run 592): its catch-up read.
   * Fixed as coldStartFill.
   */
  catchUpVoidsFill: {
    ...base,
    profile: 'healthy',
    instances: 3,
    users: 3,
    latency: [3, 1, 1],
    subscribe: [false, false, false],
    steps: [
      { kind: 'change', instance: 0, user: 2, what: 'ban' },
      ...advances(4_000),
      { kind: 'validate', instance: 4, user: 0, session: 0, count: 1 },
      ...advances(100),
      { kind: 'burst', user: 2, session: 0 },
      burst,
      { kind: 'idle', ttls: 0.5 },
    ],
  } satisfies Schedule,
  /**
   * (a) a replayed entry, the log intact (seed 17, run 1 278 of the faults property): i1 is
   * serverless; it learns the ban at 4 000 ms from L2 (answered `banned`) but from no broadcast,
   * and its last log read went out just before the ban was logged. Its lookups read no log once
   * seeded, and an L2 read records no order, so at 9 000 ms — its copy of the ban expired (negative
   * TTL) — it believes the attacker's write-back of an `active` entry stored by an earlier change
   * and answers `active` 5 s after the ban was visible (up to that entry's freshness: the TTL).
   * Fixed: a lookup whose proof is old reads the change log beside L2 and judges the entry after it
   * (shared-lookup.ts): the ban's order refuses the replay.
   */
  replayToStaleServerless: {
    ...base,
    profile: 'faults',
    instances: 2,
    latency: [0, 0],
    subscribe: [false, false],
    sourceLatency: 0,
    steps: [
      ban(0),
      { kind: 'change', instance: 0, user: 0, what: 'unban' },
      burst,
      ...advances(4_000),
      ban(0),
      validate(21),
      { kind: 'fault', instance: 21, fault: { kind: 'delay', ms: 20 }, ms: 50 },
      { kind: 'idle', ttls: 0.5 },
      { kind: 'attack', op: 'replay', user: 0, pick: 2_107_246_890 },
      burst,
      ...advances(0),
    ],
  } satisfies Schedule,
  /**
   * (b) on a healthy network (random seed 1968579141, path 858:…): a quiet fleet. No change for
   * TTL + grace, so the change log expired; the next change begins a new one. Each instance's
   * cursor is then gone (a gap with later entries: sync.ts #restart), which it cannot tell from a
   * DEL of the log, so it forgets all of L1 and refuses every L2 state read before now: every
   * instance asks the source again for every user it sees — up to one query per instance and user
   * after each quiet spell.
   * Fixed: a log begun no sooner than the old one could have expired is taken as expired (sync.ts
   * #restart): L1 still goes, L2 stays believed. The healthy property counts across log restarts since.
   */
  quietLogExpiry: {
    ...base,
    profile: 'healthy',
    instances: 2,
    users: 3,
    sourceLatency: 0,
    steps: [
      { kind: 'validate', instance: 0, user: 4, session: 0, count: 1 },
      ban(0),
      { kind: 'idle', ttls: 0.5 },
      { kind: 'burst', user: 4, session: 0 },
      ...advances(2_000),
      { kind: 'idle', ttls: 2 },
      { kind: 'validate', instance: 0, user: 4, session: 0, count: 1 },
      ...advances(2_000, 1_000),
      ban(0),
      ...advances(1_000),
      { kind: 'burst', user: 4, session: 0 },
      ...advances(0),
    ],
  } satisfies Schedule,
  /** (b) PASSING.healthy[0] on a clock moving in whole ms (Workers): coldStartFill, where mark and lookup tie. */
  coarseClock: { ...PASSING.healthy[0]!, coarseClock: true } satisfies Schedule,
}

PASSING.faults.push(FIXED.lateFill, FIXED.deafThenRepublish, FIXED.replayToStaleServerless)
PASSING.healthy.push(
  FIXED.coldStartFill,
  FIXED.catchUpVoidsFill,
  FIXED.zeroLatencyForewarn,
  FIXED.quietLogExpiry,
  FIXED.coarseClock,
)

/**
 * KNOWN OPEN (issue 17: they need a tamper-evident log and a fleet heartbeat): reproduced, and the
 * lockout they cause measured, not asserted as bounded.
 */
export const OPEN = {
  /** XDEL of the ban's log entry before a serverless instance (no subscription) reads it: L1 stays proven. */
  xdelNewestServerless: {
    ...base,
    profile: 'open',
    instances: 2,
    subscribe: [true, false],
    steps: [
      burst,
      ...advances(2_000),
      ban(0),
      ...advances(10),
      { kind: 'attack', op: 'xdel-newest', user: 0, pick: 0 },
      ...advances(2_000, 2_000),
      validate(1),
    ],
  } satisfies Schedule,
  /** DEL of the log, a saved "active" entry written back, a new instance: it has no order to refuse it by. */
  delLogReplayNewInstance: {
    ...base,
    profile: 'open',
    instances: 2,
    steps: [
      burst,
      ...advances(100),
      ban(0),
      ...advances(50),
      { kind: 'attack', op: 'del-log', user: 0, pick: 0 },
      { kind: 'attack', op: 'replay', user: 0, pick: 0 },
      { kind: 'restart', instance: 1 },
      ...advances(2_000),
      validate(1),
    ],
  } satisfies Schedule,
}
