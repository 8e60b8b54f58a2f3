import type { CacheEvent } from '../events.js'
import type { FleetChannel } from './channel.js'

/**
 * A logged change not heard by broadcast this long after the log showed it: the subscription is
 * deaf (a NAT forgot it, an SSE stream stalled). A change, not silence, is what proves deafness — a
 * quiet fleet sends nothing — and this is shorter than the proof window, so the next read finds it.
 */
const BROADCAST_DUE_MS = 750
const RECONNECT_EVERY_MS = 10_000
/**
 * A quiet fleet sends nothing whose absence could give a dead subscription away, so a busy
 * instance also checks its subscription in-band this often: a Redis PING on the subscribed
 * connection, a probe published and heard back on the Upstash SSE stream (one billed command).
 */
const PING_EVERY_MS = 10_000
const REMEMBERED = 10_000

/**
 * Whether this instance's subscription still hears the fleet, told by the change log: every logged
 * change is broadcast too, so one the log shows and no broadcast told within BROADCAST_DUE_MS means
 * the subscription is deaf, and it is replaced (at most once per RECONNECT_EVERY_MS).
 */
export class Deafness {
  /** Log ids heard by broadcast, and those the log showed first (with when). */
  readonly #heard = new Set<string>()
  readonly #unheard = new Map<string, number>()
  #lastReconnect = Number.NEGATIVE_INFINITY
  #lastPing = Number.NEGATIVE_INFINITY

  constructor(
    private readonly channel: FleetChannel,
    private readonly options: {
      emit: (event: CacheEvent) => void
      /** Whether fleet beats reach this instance: they prove the subscription end to end. */
      beatsFlowing: (mono: number) => boolean
    },
  ) {}

  /** A change heard by broadcast. */
  heard(logId: string): void {
    this.#unheard.delete(logId)
    if (this.#heard.size >= REMEMBERED) this.#heard.delete(this.#heard.values().next().value!)
    this.#heard.add(logId)
  }

  /** A change the log showed: true when no broadcast told it first (it is then due, unless seeding). */
  shown(logId: string, seeding: boolean): boolean {
    if (this.#heard.delete(logId)) return false
    if (!seeding) this.#unheard.set(logId, performance.now())
    return true
  }

  /** After a log read: a change overdue replaces the subscription; else a PING now and then, if beats do not flow. */
  check(): void {
    const now = performance.now()
    let due = false
    for (const [id, shownAt] of this.#unheard) {
      if (now - shownAt < BROADCAST_DUE_MS) continue
      this.#unheard.delete(id)
      due = true
    }
    if (this.#unheard.size > REMEMBERED) this.#unheard.clear()
    if (due) this.replace()
    else if (this.channel.listening && !this.options.beatsFlowing(now) && now - this.#lastPing >= PING_EVERY_MS) {
      this.#lastPing = now
      void this.channel.pingSubscription().then((answered) => answered || this.replace())
    }
  }

  /** The subscription is deaf: a new connection, at most once per RECONNECT_EVERY_MS. */
  replace(): void {
    const now = performance.now()
    if (!this.channel.listening || now - this.#lastReconnect < RECONNECT_EVERY_MS) return
    this.#lastReconnect = now
    this.options.emit({ type: 'deaf-subscription' })
    this.channel.reconnect()
  }
}
