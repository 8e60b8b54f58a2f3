import type { ValidationCache } from '../cache.js'
import { sign } from '../crypto/signing.js'
import { memoryStore } from '../stores/memory.js'
import { hasMetrics, type MetricsStore, type Store } from '../stores/store.js'

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
  /** How often this instance adds its counts to the fleet's. Default 5,000 ms. */
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
 * Fleet-wide counters: every few seconds each instance adds what it counted since its last
 * flush to an hourly hash in the shared store (25 h expiry), and the users it validated to an
 * hourly HyperLogLog — so any instance can report for all of them. A failed counter write keeps
 * its counts for the next flush. One caveat: a write that Redis applied but whose reply timed out
 * is sent again (at-least-once), which a timeout cannot tell apart from a lost write.
 */
export class FleetMetrics {
  #flushed: Record<string, number> = {}
  #logins = 0
  #lastLoginAt: number | null = null
  #timer: NodeJS.Timeout | undefined
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
    this.#timer ??= setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 5_000).unref()
    return this
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** Adds this instance's counts since the last flush to the fleet's. One flush at a time. */
  flush(now = Date.now()): Promise<boolean> {
    this.#inFlight ??= this.#flush(now).finally(() => (this.#inFlight = undefined))
    return this.#inFlight
  }

  async #flush(now: number): Promise<boolean> {
    const { 'validations.timedDurationMs': durationMs = 0, ...counts } = flatten(this.cache.counters.snapshot())
    // HINCRBY takes integers: durations travel as whole microseconds.
    const current: Record<string, number> = {
      ...counts,
      'validations.timedDurationUs': Math.round(durationMs * 1_000),
      logins: this.#logins,
      'metrics.commands': this.#commands,
    }
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
      if (Object.keys(deltas).length > 0) {
        this.#commands += Object.keys(deltas).length + 1 // HINCRBY per field + PEXPIRE
        await this.#store.incrementFields(this.#key('h', hour), deltas, BUCKET_TTL_MS)
      }
      this.#flushed = current // the counts are in: from here on, a failure must not resend them
    } catch {
      this.#pendingUsers = users.slice(-100_000)
      return false
    }
    try {
      this.#commands += users.length > 0 ? 4 : 2 // HINCRBY + PEXPIRE, then PFADD + PEXPIRE if anyone was seen
      await this.#store.incrementFields(this.#key('i', hour), { [this.options.instanceId]: 1 }, BUCKET_TTL_MS)
      await this.#store.addDistinct(
        this.#key('u', hour),
        await Promise.all(users.map((id) => this.#anonymize(id))),
        BUCKET_TTL_MS,
      )
      this.#pendingUsers = []
    } catch {
      this.#pendingUsers = users.slice(-100_000) // a HyperLogLog may take a member twice: no harm
    }
    return true
  }

  /** The last 24 hours, newest last. Read from the shared store: the whole fleet's numbers. */
  async read(now = Date.now()): Promise<FleetTotals> {
    const hourList = Array.from({ length: 24 }, (_, i) => hourOf(now - (23 - i) * HOUR_MS))
    this.#commands += 24 * 2 + 1 // HGETALL × 48, PFCOUNT
    const [counters, instances, activeUsers] = await Promise.all([
      this.#store.readFields(hourList.map((h) => this.#key('h', h))),
      this.#store.readFields(hourList.map((h) => this.#key('i', h))),
      this.#store.countDistinct(hourList.map((h) => this.#key('u', h))),
    ])
    const totals: Record<string, number> = {}
    for (const hash of counters) for (const [k, v] of Object.entries(hash)) totals[k] = (totals[k] ?? 0) + v
    return {
      hours: hourList.map((hour, i) => ({ hour, counters: counters[i] ?? {} })),
      totals,
      activeUsers,
      instances: new Set(instances.flatMap((hash) => Object.keys(hash))).size,
    }
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
