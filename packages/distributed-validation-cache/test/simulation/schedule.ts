import fc from 'fast-check'
import type { Fault } from './connection.js'

/** What the admin does in the user store, then tells the app (refresh); revoke/restore persist themselves. */
export type ChangeKind = 'ban' | 'unban' | 'delete' | 'undelete' | 'remove' | 'recreate' | 'revoke' | 'restore'
/** Defended: the engine holds its bounds under them (the `faults` profile asserts it). */
export const DEFENDED_ATTACKS = ['junk-entry', 'del-entry', 'del-lock', 'junk-log'] as const
/**
 * Replaying a saved entry, republishing a recorded fill to an instance that missed the change
 * (serverless, or deaf meanwhile): this simulation found lockouts beyond the bound with them
 * (regressions.ts FIXED), defended since. The `found` profile asserts them, with 1.5–3 s late broadcasts.
 */
export const FOUND_ATTACKS = ['replay', 'republish'] as const
/**
 * Known open (issue 17): a lost log entry cannot be noticed by an instance that did not hear its
 * broadcast, nor by one started after it. The engine itself replaces a wedged log, so these lose it too.
 */
export const OPEN_ATTACKS = ['xdel-newest', 'xdel-any', 'del-log', 'wedge', 'future-id', 'set-log'] as const
export type AttackOp =
  | (typeof DEFENDED_ATTACKS)[number]
  | (typeof FOUND_ATTACKS)[number]
  | (typeof OPEN_ATTACKS)[number]

/** Indexes are taken modulo the fleet and user counts when run, so any shrunk schedule stays valid. */
export type Step =
  | { kind: 'validate'; instance: number; user: number; session: number; count: number }
  | { kind: 'burst'; user: number; session: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'idle'; ttls: number }
  | { kind: 'change'; instance: number; user: number; what: ChangeKind }
  | { kind: 'signin'; user: number }
  | { kind: 'fault'; instance: number; fault: Fault; ms: number }
  | { kind: 'freeze'; instance: number; ms: number }
  | { kind: 'restart'; instance: number }
  | { kind: 'attack'; op: AttackOp; user: number; pick: number }

export type Profile = 'healthy' | 'faults' | 'found' | 'open'

/** Engine settings a schedule runs with: a short TTL (many refreshes per schedule) and the defaults. */
export const CONFIGS = [
  { ttl: 10_000, negativeTtl: 2_000, grace: 20_000, storeTimeout: 250, sourceTimeout: 500 },
  { ttl: 300_000, negativeTtl: 60_000, grace: 600_000, storeTimeout: 250, sourceTimeout: 2_000 },
] as const
export type Config = (typeof CONFIGS)[number]

export interface Schedule {
  profile: Profile
  seed: number
  instances: number
  users: number
  config: number
  /** One-way latency of each instance's link, ms. */
  latency: number[]
  /** Whether each instance subscribes (false: serverless, the change log is its only fast path). */
  subscribe: boolean[]
  sourceLatency: number
  /** L1 (and order memory) size: small in the fault profiles, so users are pushed out too. */
  l1MaxSize: number
  steps: Step[]
  /**
   * No warm-up: instances take their first lookups before their first change-log read is done.
   * Healthy schedules warm up unless drawn cold.
   */
  coldStart?: boolean
  /** performance.now() in whole milliseconds (Workers-like runtimes), instead of Node's ever-moving clock. */
  coarseClock?: boolean
}

const index = fc.nat({ max: 63 })
const user = fc.nat({ max: 7 })
const changeKind = fc.constantFrom<ChangeKind>(
  'ban',
  'unban',
  'delete',
  'undelete',
  'remove',
  'recreate',
  'revoke',
  'restore',
)

const everyday: fc.WeightedArbitrary<Step>[] = [
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('validate'),
      instance: index,
      user,
      session: fc.nat({ max: 3 }),
      count: fc.integer({ min: 1, max: 3 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('burst'), user, session: fc.nat({ max: 3 }) }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('advance'),
      ms: fc.constantFrom(0, 1, 2, 5, 10, 30, 100, 250, 500, 800, 1_000, 1_300, 2_000, 4_000),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('idle'), ttls: fc.constantFrom(0.5, 0.95, 1.05, 2) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('change'), instance: index, user, what: changeKind }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('signin'), user }) },
]

// Broadcasts later than the bound (regressions.ts FIXED.lateFill): `found` only.
const fault = (lateMs: number[]): fc.Arbitrary<Fault> =>
  fc.oneof(
    fc.record({ kind: fc.constantFrom('drop' as const, 'deaf' as const) }),
    fc.record({ kind: fc.constant('partition' as const), lose: fc.boolean() }),
    fc.record({
      kind: fc.constantFrom('delay' as const, 'late' as const),
      ms: fc.constantFrom(...lateMs),
    }),
  )
const duration = fc.constantFrom(50, 300, 1_000, 2_500, 6_000)

const trouble = (attacks: readonly AttackOp[], lateMs: number[]): fc.WeightedArbitrary<Step>[] => [
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('fault'), instance: index, fault: fault(lateMs), ms: duration }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('freeze'), instance: index, ms: duration }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('restart'), instance: index }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('attack'), op: fc.constantFrom(...attacks), user, pick: fc.nat() }),
  },
]

export function scheduleArb(profile: Profile, options: { maxInstances: number; maxSteps: number }) {
  const extra = {
    healthy: [],
    faults: trouble(DEFENDED_ATTACKS, [20, 100, 200, 600]),
    found: trouble([...DEFENDED_ATTACKS, ...FOUND_ATTACKS], [20, 200, 600, 1_500, 3_000]),
    open: trouble([...DEFENDED_ATTACKS, ...OPEN_ATTACKS], [20, 100, 200, 600]),
  }[profile]
  const steps = [...everyday, ...extra]
  const n = options.maxInstances
  return fc.record<Schedule>({
    profile: fc.constant(profile),
    seed: fc.nat(),
    instances: fc.integer({ min: 2, max: n }),
    users: fc.integer({ min: 1, max: 4 }),
    config: fc.nat({ max: CONFIGS.length - 1 }),
    // Sub-millisecond links too (regressions.ts FIXED.zeroLatencyForewarn).
    latency: fc.array(fc.constantFrom(0, 0, 1, 2, 3), { minLength: n, maxLength: n }),
    // About one in six serverless instances, one in three where the attacks measured need them.
    subscribe: fc
      .array(fc.nat({ max: { healthy: 5, faults: 5, found: 2, open: 2 }[profile] }), { minLength: n, maxLength: n })
      .map((r) => r.map((x) => x !== 0)),
    // A healthy fleet is warmed up (subscribed, the log read once) unless it starts cold.
    coldStart: profile === 'healthy' ? fc.boolean() : fc.constant(false),
    sourceLatency: fc.constantFrom(0, 1, 5, 30),
    l1MaxSize: profile === 'healthy' ? fc.constant(1_000) : fc.constantFrom(1_000, 1_000, 2),
    steps: fc.array(fc.oneof(...steps), { minLength: 1, maxLength: options.maxSteps, size: 'max' }),
  })
}
