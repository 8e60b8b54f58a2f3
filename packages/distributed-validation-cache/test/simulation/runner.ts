import { BOUND_MS, describe, lateness, lookupsInWindow, type RunFigures } from './checks.js'
import type { Schedule } from './schedule.js'
import { EPOCH, World } from './world.js'

export interface RunOptions {
  /** (a): fail on an `active` answer more than BOUND_MS after a visible refusal. Off: report it. */
  assertLockout: boolean
  /** (b): fail on a second lookup of a user within one state's lifetime. Off: report the max. */
  assertLookups: boolean
}

export class Violation extends Error {}

/**
 * Runs one schedule against a fresh world, checking the invariants after every step (and once more
 * when everything in flight has settled), and returns what it measured. Throws Violation with the
 * trace of the schedule when an asserted invariant fails.
 */
export async function runSchedule(schedule: Schedule, options: RunOptions): Promise<RunFigures> {
  const world = new World(schedule)
  const f: RunFigures = {
    steps: schedule.steps.length,
    simulatedMs: 0,
    instances: schedule.instances,
    users: schedule.users,
    validations: 0,
    unavailable: 0,
    unavailableExample: '',
    worstLateMs: Number.NEGATIVE_INFINITY,
    worstLate: '',
    worstLateSubscribedMs: Number.NEGATIVE_INFINITY,
    beyondBound: 0,
    unresolved: 0,
    lostChanges: 0,
    maxLookupsPerLifetime: 0,
    commands: 0,
    byOperation: new Map(),
    trace: world.trace,
  }
  let observed = 0
  let queried = 0
  const check = () => {
    if (world.errors.length > 0) throw violation(world, `validate() rejected: ${String(world.errors[0])}`)
    for (; observed < world.observations.length; observed++) {
      const obs = world.observations[observed]!
      if (obs.verdict === 'unavailable' && !obs.closing && f.unavailable++ === 0)
        f.unavailableExample = `${obs.instance} at ${obs.ts - EPOCH} ms (answered at ${obs.te - EPOCH})`
      if (obs.verdict !== 'active') continue
      const late = lateness(world, obs)
      if (late.kind === 'unresolved') f.unresolved++
      if (late.kind !== 'late') continue
      if (late.ms > f.worstLateMs) [f.worstLateMs, f.worstLate] = [late.ms, describe(obs, late)]
      if (obs.subscribed) f.worstLateSubscribedMs = Math.max(f.worstLateSubscribedMs, late.ms)
      if (late.ms <= BOUND_MS) continue
      f.beyondBound++
      world.log(`  LATE: ${describe(obs, late)}`)
      if (options.assertLockout) throw violation(world, `(a) lockout beyond ${BOUND_MS} ms: ${describe(obs, late)}`)
    }
    for (; queried < world.source.queries.length; queried++) {
      const q = world.source.queries[queried]!
      if (q.change !== undefined) continue
      const { count, first } = lookupsInWindow(world, q)
      f.maxLookupsPerLifetime = Math.max(f.maxLookupsPerLifetime, count)
      if (count > 1 && options.assertLookups) {
        const what =
          `user …${q.user.slice(-2)} looked up ${count} times in ${q.at - first.at} ms ` +
          `(first at ${first.at - EPOCH})`
        throw violation(world, `(b) ${what}, within one state's lifetime, with no change between`)
      }
    }
  }
  try {
    // Healthy fleets are up before the schedule starts: subscribed, and the change log read once.
    if (schedule.profile === 'healthy' && !schedule.coldStart) {
      const up = world.instances.map((i) => Promise.all([i.cache.ready(), i.cache.sync()]))
      await world.settle(Promise.all(up))
      world.log('warm: every instance subscribed and read the change log')
    }
    for (const step of schedule.steps) {
      await world.step(step)
      check()
    }
    // Lookups waiting on a lock, pending retries, held deliveries: all settle within this.
    await world.advance(2 * world.lockTtlMs + 3_000)
    check()
    f.simulatedMs = world.now()
    f.validations = world.observations.length
    f.lostChanges = world.changes.filter((c) => c.lost).length
    for (const connection of world.connections) {
      f.commands += connection.total
      for (const [op, n] of connection.commands) f.byOperation.set(op, (f.byOperation.get(op) ?? 0) + n)
    }
    return f
  } finally {
    await world.dispose()
  }
}

function violation(world: World, what: string): Violation {
  const s = world.schedule
  const setup =
    `${s.instances} instances (latency ${s.latency.slice(0, s.instances).join('/')} ms, subscribe ` +
    `${s.subscribe
      .slice(0, s.instances)
      .map((b) => (b ? 'y' : 'n'))
      .join('')}), ${s.users} users, config ` +
    `${s.config}, source latency ${s.sourceLatency} ms, l1MaxSize ${s.l1MaxSize}`
  return new Violation(`${what}\n${setup}\ntrace (ms since start):\n${world.trace.slice(-80).join('\n')}`)
}
