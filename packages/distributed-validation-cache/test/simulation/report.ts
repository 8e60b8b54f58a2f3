import { BOUND_MS } from './checks.js'
import type { RunFigures } from './checks.js'
import { CONFIGS, type Schedule } from './schedule.js'

/** SIM_VERBOSE=1: print the schedule of each profile's worst late answer too (replay it with replay.test.ts). */
const SHOW_SCHEDULES = process.env.SIM_VERBOSE === '1'
const ms = (value: number) =>
  value === Number.NEGATIVE_INFINITY ? 'no active answer after a visible refusal' : `${value} ms`

/** The figures of every schedule one property ran, folded: what the simulation prints. */
export class Report {
  runs = 0
  steps = 0
  simulatedMs = 0
  validations = 0
  unavailable = 0
  unavailableExample = ''
  worstLateMs = Number.NEGATIVE_INFINITY
  worstLate = ''
  worstLateSchedule = ''
  worstLateSubscribedMs = Number.NEGATIVE_INFINITY
  beyondBound = 0
  unresolved = 0
  lostChanges = 0
  maxLookupsPerLifetime = 0
  commands = 0
  /** Commands per user per TTL, and per second fleet-wide, of the busiest schedule. */
  maxPerUserTtl = 0
  maxPerSecond = 0
  readonly byOperation = new Map<string, number>()
  readonly started = performance.now()
  finished = 0

  constructor(readonly label: string) {}

  add(f: RunFigures, schedule: Schedule): void {
    const config = schedule.config
    this.runs++
    this.steps += f.steps
    this.simulatedMs += f.simulatedMs
    this.validations += f.validations
    if (f.unavailable > 0 && this.unavailable === 0)
      this.unavailableExample = `${f.unavailableExample}, in ${JSON.stringify(schedule)}`
    this.unavailable += f.unavailable
    if (f.worstLateMs > this.worstLateMs)
      [this.worstLateMs, this.worstLate, this.worstLateSchedule] = [
        f.worstLateMs,
        f.worstLate,
        JSON.stringify(schedule),
      ]
    this.worstLateSubscribedMs = Math.max(this.worstLateSubscribedMs, f.worstLateSubscribedMs)
    this.beyondBound += f.beyondBound
    this.unresolved += f.unresolved
    this.lostChanges += f.lostChanges
    this.maxLookupsPerLifetime = Math.max(this.maxLookupsPerLifetime, f.maxLookupsPerLifetime)
    this.commands += f.commands
    const ttls = f.simulatedMs / CONFIGS[config]!.ttl
    this.maxPerUserTtl = Math.max(this.maxPerUserTtl, f.commands / f.users / Math.max(ttls, 1))
    this.maxPerSecond = Math.max(this.maxPerSecond, f.commands / Math.max(f.simulatedMs / 1_000, 1))
    for (const [op, n] of f.byOperation) this.byOperation.set(op, (this.byOperation.get(op) ?? 0) + n)
  }

  print(): void {
    const seconds = this.simulatedMs / 1_000
    const ops = [...this.byOperation].sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op} ${n}`)
    const late =
      this.worstLateMs === Number.NEGATIVE_INFINITY
        ? 'no active answer after a visible refusal'
        : this.worstLateMs <= 0
          ? `none (closest: ${this.worstLateMs} ms before visibility)`
          : `${this.worstLateMs} ms — ${this.worstLate}`
    console.log(
      [
        `simulation [${this.label}]: ${this.runs} schedules, ${this.steps} steps, ${seconds.toFixed(0)} simulated s, ` +
          `${this.validations} validations, in ${((this.finished - this.started) / 1e3).toFixed(1)} s`,
        `  (a) worst active answer after a refusal became visible: ${late}`,
        `      on subscribed instances only: ${ms(this.worstLateSubscribedMs)}` +
          (this.worstLateMs > 0 && SHOW_SCHEDULES ? `\n      its schedule: ${this.worstLateSchedule}` : ''),
        `      beyond the ${BOUND_MS} ms bound: ${this.beyondBound}; active answers with no visible change yet: ` +
          `${this.unresolved}; changes left pending by a closed instance: ${this.lostChanges}`,
        `  (b) most lookups of one user within one state's lifetime (no change between): ${this.maxLookupsPerLifetime}`,
        `  unavailable answers (instances not closing): ${this.unavailable}` +
          (this.unavailable ? ` (first: ${this.unavailableExample})` : ''),
        `  (c) store commands: ${this.commands} (${(this.commands / Math.max(this.validations, 1)).toFixed(2)} per ` +
          `validation, ${(this.commands / Math.max(seconds, 1)).toFixed(1)} per simulated s over all schedules); ` +
          `busiest schedule: ${this.maxPerSecond.toFixed(1)} per s fleet-wide, ${this.maxPerUserTtl.toFixed(1)} ` +
          `per user per TTL`,
        `      by operation: ${ops.join(', ')}`,
      ].join('\n'),
    )
  }
}
