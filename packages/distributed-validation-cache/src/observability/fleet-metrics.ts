import type { ValidationCache } from '../cache.js'
import { sign } from '../crypto/signing.js'
import { memoryStore } from '../stores/memory.js'
import {
  hasMetrics,
  type MetricsQuery,
  type MetricsRead,
  type MetricsRecord,
  type MetricsStore,
  type Store,
} from '../stores/store.js'

export interface FleetMetricsOptions {
  /**
   * The fleet's shared store (the same one the cache uses). One without the `MetricsStore`
   * methods keeps the counts in this process: the report then covers this instance alone.
   */
  store: Store
  prefix: string
  instanceId: string
  /** Keys the user-id hashes, so the HyperLogLog never holds a user id. */
  secret: string
  /**
   * How long the timer waits after a flush (any flush: a report's too) before the next. Default
   * 10,000 ms. A busy instance then sends one store command per interval; an idle one none.
   */
  flushIntervalMs?: number
}

/** Totals over the last 24 hours, per hour, across every instance that flushed. */
export interface FleetTotals {
  hours: { hour: string; counters: Record<string, number> }[]
  totals: Record<string, number>
  activeUsers: number
  instances: number
}

const HOUR_MS = 3_600_000
const BUCKET_TTL_MS = 25 * HOUR_MS

/**
 * Fleet-wide counters: every 10 s each busy instance adds what it counted since its last flush to
 * an hourly hash in the shared store (25 h expiry), and the users it validated to an hourly
 * HyperLogLog — so any instance can report for all of them. One flush is one store command (a Lua
 * script, `MetricsStore.recordMetrics`), applied whole or not at all; a failed one keeps its counts
 * and users for the next. One caveat: a flush that Redis applied but whose reply timed out is sent
 * again with the next (at-least-once: those counts are added twice), which a timeout cannot tell
 * apart from a lost write. Users are not: a HyperLogLog takes a member twice without harm.
 */
export class FleetMetrics {
  #flushed: Record<string, number> = {}
  #logins = 0
  #lastLoginAt: number | null = null
  #timer: ReturnType<typeof setTimeout> | undefined
  #running = false
  #inFlight: Promise<boolean> | undefined
  /** Commands these metrics send to the store: they cost money too (counted into the cost model). */
  #commands = 0
  readonly #drainUsers: () => string[]
  #pendingUsers: string[] = []
  readonly #store: MetricsStore

  constructor(
    private readonly cache: ValidationCache,
    private readonly options: FleetMetricsOptions,
  ) {
    this.#drainUsers = cache.observeUsers()
    this.#store = hasMetrics(options.store) ? options.store : memoryStore()
  }

  /** A successful sign-in (next-auth `events.signIn`). */
  recordLogin(at = Date.now()): void {
    this.#logins++
    this.#lastLoginAt = at
  }

  get lastLoginAt(): number | null {
    return this.#lastLoginAt
  }

  start(): this {
    this.#running = true
    if (!this.#timer) this.#schedule()
    return this
  }

  stop(): void {
    this.#running = false
    clearTimeout(this.#timer)
    this.#timer = undefined
  }

  /**
   * Adds this instance's counts since the last flush to the fleet's. One flush at a time; the
   * timer counts its interval from the end of the last one, so a report's flush moves it on.
   */
  flush(now = Date.now()): Promise<boolean> {
    this.#inFlight ??= this.#flush(now).finally(() => {
      this.#inFlight = undefined
      this.#schedule()
    })
    return this.#inFlight
  }

  // A timeout re-armed after each flush, not an interval: never two flushes closer than the
  // interval from the timer, however often reports flush in between. Unref'd: it never keeps a
  // process alive (the Edge runtime's timers have no unref).
  #schedule(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (!this.#running) return
    this.#timer = setTimeout(() => void this.flush(), this.options.flushIntervalMs ?? 10_000)
    ;(this.#timer as { unref?: () => void }).unref?.()
  }

  async #flush(now: number): Promise<boolean> {
    const { 'validations.timedDurationMs': durationMs = 0, ...counts } = flatten(this.cache.counters.snapshot())
    // HINCRBY takes integers: durations travel as whole microseconds, and a fractional counter
    // would be refused at every flush for good, so every value is a whole number.
    const current: Record<string, number> = Object.fromEntries(
      Object.entries({
        ...counts,
        'validations.timedDurationUs': durationMs * 1_000,
        logins: this.#logins,
        'metrics.commands': this.#commands,
      }).map(([k, v]) => [k, Math.round(v)]),
    )
    const deltas = Object.fromEntries(
      Object.entries(current)
        .map(([k, v]) => [k, v - (this.#flushed[k] ?? 0)])
        .filter(([, d]) => d !== 0),
    )
    const users = [...this.#pendingUsers, ...this.#drainUsers()]
    // Nothing happened but our own last flush: send nothing (an idle instance costs no commands);
    // those few commands are reported with the next flush that has news.
    if (Object.keys(deltas).every((k) => k === 'metrics.commands') && users.length === 0) return true
    const hour = hourOf(now)
    try {
      const record: MetricsRecord = {
        counters: { key: this.#key('h', hour), deltas },
        instances: { key: this.#key('i', hour), member: this.options.instanceId },
        users: { key: this.#key('u', hour), members: await Promise.all(users.map((id) => this.#anonymize(id))) },
        ttlMs: BUCKET_TTL_MS,
      }
      if (this.#store.recordMetrics) {
        this.#commands += 1
        await this.#store.recordMetrics(record)
      } else await this.#recordOneByOne(record, () => (this.#flushed = current))
    } catch {
      // The script applied nothing (or, if only its reply was lost, all of it: the caveat above).
      this.#pendingUsers = users.slice(-100_000)
      return this.#flushed === current // one by one, the counts may be in and the users not
    }
    this.#flushed = current
    this.#pendingUsers = []
    return true
  }

  /** For a store without `recordMetrics`: the same writes, a command each (as every store once did). */
  async #recordOneByOne({ counters, instances, users, ttlMs }: MetricsRecord, countsIn: () => void): Promise<void> {
    if (Object.keys(counters.deltas).length > 0) {
      this.#commands += Object.keys(counters.deltas).length + 1 // HINCRBY per field + PEXPIRE
      await this.#store.incrementFields(counters.key, counters.deltas, ttlMs)
    }
    countsIn() // from here on, a failure must not resend them
    this.#commands += users.members.length > 0 ? 4 : 2 // HINCRBY + PEXPIRE, then PFADD + PEXPIRE
    await this.#store.incrementFields(instances.key, { [instances.member]: 1 }, ttlMs)
    await this.#store.addDistinct(users.key, users.members, ttlMs)
  }

  /** The last 24 hours, newest last. Read from the shared store: the whole fleet's numbers. */
  async read(now = Date.now()): Promise<FleetTotals> {
    const hourList = Array.from({ length: 24 }, (_, i) => hourOf(now - (23 - i) * HOUR_MS))
    const {
      counters,
      instances,
      distinct: activeUsers,
    } = await this.#read({
      counters: hourList.map((h) => this.#key('h', h)),
      instances: hourList.map((h) => this.#key('i', h)),
      users: hourList.map((h) => this.#key('u', h)),
    })
    const totals: Record<string, number> = {}
    for (const hash of counters) for (const [k, v] of Object.entries(hash)) totals[k] = (totals[k] ?? 0) + v
    return {
      hours: hourList.map((hour, i) => ({ hour, counters: counters[i] ?? {} })),
      totals,
      activeUsers,
      instances: new Set(instances.flatMap((hash) => Object.keys(hash))).size,
    }
  }

  /** One command where the store has the script; else 24 × 2 HGETALL and a PFCOUNT. */
  async #read(query: MetricsQuery): Promise<MetricsRead> {
    if (this.#store.readMetrics) {
      this.#commands += 1
      return this.#store.readMetrics(query)
    }
    this.#commands += query.counters.length * 2 + 1
    const [counters, instances, distinct] = await Promise.all([
      this.#store.readFields(query.counters),
      this.#store.readFields(query.instances),
      this.#store.countDistinct(query.users),
    ])
    return { counters, instances, distinct }
  }

  // One hash tag for every metrics key: PFCOUNT over 24 keys must stay in one Cluster slot.
  #key(kind: 'h' | 'i' | 'u', hour: string): string {
    return `${this.options.prefix}{metrics}:${kind}:${hour}`
  }

  async #anonymize(userId: string): Promise<string> {
    return (await sign(this.options.secret, userId)).slice(0, 22)
  }
}

/** "2026-11-22T21": the UTC hour a count belongs to. */
export function hourOf(time: number): string {
  return new Date(time).toISOString().slice(0, 13)
}

/** {validations: {byTier: {l1: 3}}} → {"validations.byTier.l1": 3}: the numeric leaves only. */
export function flatten(value: object, prefix = ''): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof child === 'number') out[path] = child
    else if (child && typeof child === 'object') Object.assign(out, flatten(child, path))
  }
  return out
}
