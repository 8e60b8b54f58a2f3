import type { CacheEvent } from './events.js'
import type { FleetChannel } from './fleet-channel.js'
import { Liveness } from './liveness.js'
import type { StateOrder } from './state-order.js'
import type { Change } from './store.js'

export interface FleetSyncOptions {
  /** Null when there is no fleet to hear from (the in-process memory store): L1 is always current. */
  channel: FleetChannel | null
  /** How old the proof may be for L1 to be trusted past the short window; how often it is renewed. */
  proofWindowMs: number
  renewAfterMs: number
  /** The newest state seen of each user: what broadcasts and the log move forward. */
  order: StateOrder
  emit: (event: CacheEvent) => void
  /** Drop one user from L1 (and from lookups in flight). */
  forget: (userId: string) => void
  /** Drop all of L1: more changed than the log read can list. */
  forgetAll: () => void
}

/** Most changes one log read applies; beyond it L1 is forgotten whole (a burst, or a long deafness). */
const LOG_READ_LIMIT = 1_000
/** A change this much older than now should have arrived by broadcast; if it did not, the subscription is deaf. */
const BROADCAST_DUE_MS = 2_000
const RECONNECT_EVERY_MS = 10_000

/**
 * What this instance knows of the fleet's changes and how it knows it: broadcasts (fast), the
 * change log (proof, and catch-up after deafness), and the order of each user's states.
 */
export class FleetSync {
  readonly order: StateOrder
  readonly #liveness: Liveness | undefined
  readonly #startedAt = Date.now()
  #lastReconnect = Number.NEGATIVE_INFINITY

  constructor(private readonly options: FleetSyncOptions) {
    this.order = options.order
    const channel = options.channel
    this.#liveness = channel ? new Liveness({
      windowMs: options.proofWindowMs,
      renewAfterMs: options.renewAfterMs,
      read: (since) => channel.changesSince(since, LOG_READ_LIMIT),
      apply: (changes) => this.#apply(changes),
    }) : undefined
  }

  /** Whether L1 may be trusted past the short window now; renews the proof when it gets old. The hot path. */
  proven(): boolean {
    const liveness = this.#liveness
    if (!liveness) return true
    liveness.touch()
    return liveness.proven()
  }

  /** Reads the log now (a validation is waiting on it); true once the proof is fresh. */
  renew(): Promise<boolean> {
    return this.#liveness?.renew() ?? Promise.resolve(true)
  }

  /** A broadcast: another instance changed this user to a state read at `order`. */
  heard(userId: string, order: number): void {
    this.order.saw(userId, order)
    this.options.forget(userId)
  }

  stats() {
    return { proven: this.#liveness ? this.#liveness.proven() : true, proofAgeMs: this.#liveness ? this.#liveness.ageMs() : 0 }
  }

  #apply(changes: Change[]): void {
    const overflow = changes.length >= LOG_READ_LIMIT
    if (overflow) this.options.forgetAll()
    let dropped = 0
    let missed = false
    for (const { member: userId, score: order } of changes) {
      if (!this.order.saw(userId, order)) continue // heard already (or our own): nothing to drop
      dropped++
      if (!overflow) this.options.forget(userId)
      missed ||= order > this.#startedAt + BROADCAST_DUE_MS && order < Date.now() - BROADCAST_DUE_MS
    }
    this.options.emit({ type: 'log-read', dropped, overflow })
    if (missed && this.options.channel?.listening && Date.now() - this.#lastReconnect > RECONNECT_EVERY_MS) {
      this.#lastReconnect = Date.now()
      this.options.emit({ type: 'deaf-subscription' })
      this.options.channel.reconnect()
    }
  }
}
