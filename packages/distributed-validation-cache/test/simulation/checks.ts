import { decide, isNegative, type UserState } from '../../src/user-state.js'
import type { Query } from './source.js'
import { type ChangeRecord, EPOCH, type Observation, type World } from './world.js'

/**
 * (a) The lockout bound: no banned, deleted, missing or revoked user is answered `active` by a
 * validation that started more than BOUND_MS after the change became visible (ChangeRecord.visibleAt).
 * 1 s is the promise (the proof window: L1 is trusted past 1 s only while the change log is
 * proven read). The slack is what a state can age before it lands in L1 and starts its own 1 s: a
 * store reply is at most the store timeout (250 ms) old, a source answer at most the source
 * latency (≤ 30 ms here); plus the 10 ms the runner polls a pending change's retry at.
 */
export const SLACK_MS = 300
export const BOUND_MS = 1_000 + SLACK_MS
/** Integer milliseconds on both sides: a PX rounded up, a read stamped in the same ms. */
const GAP_EPS_MS = 2

export type Lateness =
  | { kind: 'legit' }
  | { kind: 'unresolved' }
  | { kind: 'late'; ms: number; change: ChangeRecord; since: number }

/** How late an `active` answer was: measured from the first moment the refusal was visible. */
export function lateness(world: World, obs: Observation): Lateness {
  const history = (world.source.history.get(obs.user) ?? []).filter((m) => m.seq < obs.endSeq)
  const active = (state: UserState | null) => state !== null && decide(state, obs.issuedAt, obs.te) === 'active'
  let k = history.length - 1
  if (k < 0 || active(history[k]!.state)) return { kind: 'legit' }
  while (k > 0 && !active(history[k - 1]!.state)) k--
  // The earliest edit of the run of refusing states the answer fell in: any change told after it carries one.
  const first = history[k]!
  const carriers = world.changes.filter(
    (c) => c.user === obs.user && c.visibleAt !== undefined && (c.startSeq > first.seq || first.byChange === c.id),
  )
  if (carriers.length === 0) return { kind: 'unresolved' }
  const change = carriers.reduce((a, b) => (b.visibleAt! < a.visibleAt! ? b : a))
  return { kind: 'late', ms: obs.ts - change.visibleAt!, change, since: first.at }
}

/** How long a state read from the source may serve the fleet: two lookups of it closer than this are one too many. */
export function lifetime(world: World, q: Query): number {
  const negative = q.state === null || isNegative(q.state, q.at)
  return (negative ? world.config.negativeTtl : world.config.ttl) - world.refreshAheadMs - GAP_EPS_MS
}

/**
 * (b) Lookups (a validation's source queries, not a change's own re-read) of one user within one
 * state's lifetime of each other: the fleet lock's promise is one. Counted between changes: an
 * edit or a change of the user splits the count, and a lookup made while a change of the user is
 * in flight (from its start to refresh()/revoke() resolving) belongs to that change — a lookup
 * racing a change may not write what it read (its state may predate the change), so the next asks
 * again. A change log begun anew after a quiet spell does not split it (regressions.ts FIXED.quietLogExpiry).
 * Returns how many lookups the window ending with `q2` holds (0: a change's).
 */
export function lookupsInWindow(world: World, q2: Query): { count: number; first: Query } {
  const changes = world.changes.filter((c) => c.user === q2.user)
  if (changes.some((c) => c.startSeq < q2.seq && q2.seq < (c.resolvedSeq ?? Number.POSITIVE_INFINITY)))
    return { count: 0, first: q2 }
  const splits = [
    ...(world.source.history.get(q2.user) ?? []).map((m) => m.seq),
    ...changes.flatMap((c) => [c.startSeq, c.resolvedSeq ?? Number.POSITIVE_INFINITY]),
  ]
  const earlier = world.source.queries.filter((q) => q.user === q2.user && q.change === undefined && q.seq < q2.seq)
  let count = 1
  let first = q2
  for (let i = earlier.length - 1; i >= 0; i--) {
    const q1 = earlier[i]!
    if (splits.some((s) => s > q1.seq && s < q2.seq) || q2.at - q1.at >= lifetime(world, q1)) break
    count++
    first = q1
  }
  return { count, first }
}

/** What one schedule showed, folded into a profile's figures (report.ts). */
export interface RunFigures {
  steps: number
  simulatedMs: number
  instances: number
  users: number
  validations: number
  unavailable: number
  unavailableExample: string
  /** Worst `active` answer after a visible refusal (ms, may be ≤ 0: none late), and its description. */
  worstLateMs: number
  worstLate: string
  /** The same, over subscribed instances only (serverless ones rely on the change log alone). */
  worstLateSubscribedMs: number
  beyondBound: number
  unresolved: number
  lostChanges: number
  maxLookupsPerLifetime: number
  commands: number
  byOperation: Map<string, number>
  /** The world's trace (with SIM_TRACE=1, every engine event in it): for replay.test.ts. */
  trace: string[]
}

export function describe(obs: Observation, late: Extract<Lateness, { kind: 'late' }>): string {
  return (
    `${obs.instance} answered ${obs.verdict} (tier ${obs.tier}) for user …${obs.user.slice(-2)} session ` +
    `issued at ${obs.issuedAt - EPOCH} in a validation at ${obs.ts - EPOCH} ms (answered at ${obs.te - EPOCH}); ` +
    `change #${late.change.id} (${late.change.kind} through ${late.change.instance.connection.name}, source ` +
    `edited at ${late.since - EPOCH}) visible at ${late.change.visibleAt! - EPOCH}: ${late.ms} ms late`
  )
}
