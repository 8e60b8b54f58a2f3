import { vi } from 'vitest'
import { createValidationCache, type ValidationCache } from '../../src/cache.js'
import { resolveOptions } from '../../src/options.js'
import type { PropagationResult } from '../../src/result.js'
import { PERMANENT, type UserState, type Verdict } from '../../src/user-state.js'
import { attack } from './attacker.js'
import { Backing } from './backing.js'
import { Connection } from './connection.js'
import { CONFIGS, type ChangeKind, type Config, type Schedule, type Step } from './schedule.js'
import { changeContext, SimSource } from './source.js'

export const EPOCH = 1_700_000_000_000
const PREFIX = 'sim:'
const SECRET = 'sim-secret-0123456789abcdef'
const TRACE = process.env.SIM_TRACE === '1'
const ACTIVE: UserState = { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null }

export interface Instance {
  slot: number
  generation: number
  cache: ValidationCache
  connection: Connection
  frozenUntil: number
  closed: boolean
}

export interface Observation {
  instance: string
  subscribed: boolean
  /** Answered after its instance began to close (a restart): its store calls fail, `unavailable` is expected. */
  closing: boolean
  user: string
  issuedAt: number
  ts: number
  te: number
  endSeq: number
  verdict: Verdict
  tier: string
}

export interface ChangeRecord {
  id: number
  user: string
  kind: ChangeKind
  instance: Instance
  startSeq: number
  startedAt: number
  result?: PropagationResult
  /** The world's sequence number when it resolved or failed. */
  resolvedSeq?: number
  /** When every instance could know: refresh()/revoke() resolved updated, or its pending retry went through. */
  visibleAt?: number
  /** Pending when its instance closed: nobody retries it. */
  lost?: boolean
  failed?: string
}

/**
 * One simulated fleet: N real ValidationCache engines on fake timers, each behind its own Connection
 * to one Backing, one SimSource, and the schedule's steps run against them. Nothing here models
 * the protocol: it issues requests and faults, and records what the engines answered and when.
 */
export class World {
  seq = 0
  readonly config: Config
  readonly backing = new Backing()
  readonly source: SimSource
  readonly users: string[]
  readonly sessions: number[][]
  readonly instances: Instance[] = []
  readonly connections: Connection[] = []
  readonly observations: Observation[] = []
  readonly changes: ChangeRecord[] = []
  readonly errors: unknown[] = []
  readonly trace: string[] = []
  readonly refreshAheadMs: number
  readonly lockTtlMs: number
  #restore: (() => void)[] = []

  constructor(readonly schedule: Schedule) {
    this.config = CONFIGS[schedule.config]!
    this.#install()
    this.source = new SimSource(() => ++this.seq, schedule.sourceLatency)
    if (TRACE)
      this.source.onQuery = (user, state, change) =>
        this.log(
          `  source queried: …${user.slice(-2)} -> ${JSON.stringify(state)}${change ? ` (change #${change})` : ''}`,
        )
    const resolved = resolveOptions({ ...this.#options(0), store: new Connection('probe', this.backing, 0).store() })
    this.refreshAheadMs = resolved.refreshAheadMs
    this.lockTtlMs = resolved.lockTtlMs
    this.users = Array.from({ length: schedule.users }, (_, i) => `00000000-0000-4000-8000-${`${i}`.padStart(12, '0')}`)
    this.sessions = this.users.map(() => [EPOCH - 3_600_000])
    for (const user of this.users) this.source.write(user, ACTIVE)
    for (let slot = 0; slot < schedule.instances; slot++) this.instances.push(this.#spawn(slot, 0))
  }

  /** Fake timers and a seeded Math.random (L1's refresh-ahead jitter): a schedule replays exactly. */
  #install(): void {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
    vi.setSystemTime(EPOCH)
    // Not faked by replacing globalThis.performance: lru-cache holds the real object (its TTLs,
    // in StateOrder and RecentInvalidations), so its `now` is stubbed in place, on the same clock.
    // Node's monotonic clock moves on between two readings (ns resolution); the fake Date does not
    // within a millisecond, so each reading adds a nanosecond. coarseClock: whole milliseconds, as
    // on runtimes that only move the clock on I/O (Workers-like Edge isolates).
    const coarse = this.schedule.coarseClock === true
    let [lastMs, frac] = [0, 0]
    const now = vi.spyOn(performance, 'now').mockImplementation(() => {
      const ms = Date.now() - EPOCH + 10_000
      if (coarse) return ms
      if (ms !== lastMs) [lastMs, frac] = [ms, 0]
      frac = Math.min(frac + 1e-6, 0.999_999)
      return ms + frac
    })
    let state = this.schedule.seed >>> 0 || 1
    const random = vi.spyOn(Math, 'random').mockImplementation(() => {
      state ^= state << 13
      state ^= state >>> 17
      state ^= state << 5
      return (state >>> 0) / 4_294_967_296
    })
    this.#restore = [() => now.mockRestore(), () => random.mockRestore()]
  }

  #options(slot: number) {
    const c = this.config
    return {
      source: this.source,
      prefix: PREFIX,
      secret: SECRET,
      ttl: c.ttl,
      negativeTtl: c.negativeTtl,
      grace: c.grace,
      storeTimeout: c.storeTimeout,
      sourceTimeout: c.sourceTimeout,
      l1MaxSize: this.schedule.l1MaxSize,
      subscribe: this.schedule.subscribe[slot] ?? true,
    }
  }

  #spawn(slot: number, generation: number): Instance {
    const connection = new Connection(`i${slot}.${generation}`, this.backing, this.schedule.latency[slot] ?? 0)
    this.connections.push(connection)
    const name = connection.name
    // SIM_TRACE=1: every engine event in the trace a violation prints (slower; for reading one schedule).
    const onEvent = TRACE ? (event: object) => this.log(`  ${name} ${JSON.stringify(event)}`) : undefined
    const options = { ...this.#options(slot), store: connection.store(), instanceId: name, onEvent }
    return { slot, generation, cache: createValidationCache(options), connection, frozenUntil: 0, closed: false }
  }

  now(): number {
    return Date.now() - EPOCH
  }

  log(line: string): void {
    this.trace.push(`${this.now()} ${line}`)
  }

  async step(step: Step): Promise<void> {
    const inst = 'instance' in step ? this.instances[step.instance % this.instances.length]! : undefined
    const user = 'user' in step ? this.users[step.user % this.users.length]! : ''
    const frozen = inst !== undefined && inst.frozenUntil > Date.now()
    this.log(`${JSON.stringify(step)}${frozen ? ' (frozen: skipped)' : ''}`)
    if (frozen && step.kind !== 'fault' && step.kind !== 'restart') return
    switch (step.kind) {
      case 'validate':
        for (let i = 0; i < step.count; i++) this.#validate(inst!, user, step.session)
        return
      case 'burst':
        for (const each of this.instances) if (each.frozenUntil <= Date.now()) this.#validate(each, user, step.session)
        return
      case 'advance':
        return this.advance(step.ms)
      case 'idle':
        return this.advance(Math.round(step.ttls * this.config.ttl))
      case 'change':
        return this.#change(inst!, user, step.what)
      case 'signin':
        this.sessions[step.user % this.users.length]!.push(Date.now())
        return
      case 'fault':
        return inst!.connection.impose(step.fault, step.ms)
      case 'freeze':
        inst!.frozenUntil = Date.now() + step.ms
        return inst!.connection.impose({ kind: 'frozen' }, step.ms)
      case 'restart':
        return this.#restart(inst!)
      case 'attack':
        return this.log(`  attacker: ${attack(this.backing, PREFIX, step.op, user, step.pick)}`)
    }
  }

  #validate(inst: Instance, user: string, session: number): void {
    const list = this.sessions[this.users.indexOf(user)]!
    const issuedAt = list[session % list.length]!
    const ts = Date.now()
    inst.cache.validate(user, { issuedAt }).then(
      (r) =>
        this.observations.push({
          instance: inst.connection.name,
          subscribed: this.schedule.subscribe[inst.slot] ?? true,
          closing: inst.closed,
          user,
          issuedAt,
          ts,
          te: Date.now(),
          endSeq: ++this.seq,
          verdict: r.verdict,
          tier: r.tier,
        }),
      (error) => this.errors.push(error),
    )
  }

  #change(inst: Instance, user: string, kind: ChangeKind): void {
    const state = this.source.state(user)
    const edit: Partial<Record<ChangeKind, UserState | null>> = state
      ? {
          ban: { ...state, bannedUntil: PERMANENT },
          unban: { ...state, bannedUntil: null },
          delete: { ...state, deleted: true },
          undelete: { ...state, deleted: false },
          remove: null,
        }
      : { recreate: ACTIVE }
    if (kind in edit) this.source.write(user, edit[kind]!)
    const id = this.changes.length + 1
    const record: ChangeRecord = { id, user, kind, instance: inst, startSeq: ++this.seq, startedAt: Date.now() }
    this.changes.push(record)
    const cache = inst.cache
    const run = kind === 'revoke' ? () => cache.revoke(user) : kind === 'restore' ? () => cache.restore(user) : null
    changeContext.run(id, run ?? (() => cache.refresh(user))).then(
      (result) => {
        record.resolvedSeq = ++this.seq
        record.result = result
        if (result.cache === 'updated' && result.broadcast === 'sent') record.visibleAt = Date.now()
        this.log(`  change #${id} ${kind} resolved ${result.cache}/${result.broadcast}`)
      },
      (error) => {
        record.resolvedSeq = ++this.seq
        record.failed = String(error)
      },
    )
  }

  /** Pending changes become visible once their instance's retry went through (polled every 10 ms). */
  #poll(): boolean {
    let waiting = false
    for (const c of this.changes) {
      if (!c.result || c.visibleAt !== undefined || c.lost) continue
      if (c.instance.closed) c.lost = true
      else if (c.instance.cache.stats().pendingInvalidations === 0) {
        c.visibleAt = Date.now()
        this.log(`  change #${c.id} visible (pending retried)`)
      } else waiting = true
    }
    return waiting
  }

  async advance(ms: number): Promise<void> {
    let left = ms
    do {
      const slice = this.#poll() ? Math.min(left, 10) : left
      await vi.advanceTimersByTimeAsync(slice)
      left -= slice
    } while (left > 0)
    this.#poll()
  }

  /** Waits (on simulated time) for a promise the engine settles through its timers. */
  async settle(promise: Promise<unknown>, maxMs = 10_000): Promise<void> {
    let done = false
    void promise.finally(() => (done = true)).catch(() => undefined)
    for (let waited = 0; !done && waited < maxMs; waited += 5) await this.advance(5)
  }

  async #restart(inst: Instance): Promise<void> {
    inst.closed = true
    await this.settle(inst.cache.close())
    this.instances[this.instances.indexOf(inst)] = this.#spawn(inst.slot, inst.generation + 1)
  }

  async dispose(): Promise<void> {
    try {
      for (const inst of this.instances) inst.closed = true
      await this.settle(Promise.all(this.instances.map((i) => i.cache.close())))
    } finally {
      vi.clearAllTimers()
      vi.useRealTimers()
      for (const restore of this.#restore) restore()
    }
  }
}
