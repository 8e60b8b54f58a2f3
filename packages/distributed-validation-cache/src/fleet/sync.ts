import type { CacheEvent } from '../events.js'
import { idMs } from '../stores/log-entries.js'
import { AHEAD_MS } from './change-log.js'
import type { FleetChannel } from './channel.js'
import { type Beat, FleetHeartbeat } from './heartbeat.js'
import type { FleetMessage } from './invalidation.js'
import { Deafness } from './deafness.js'
import { Liveness, type ProofTiming } from './liveness.js'
import type { StateOrder } from './state-order.js'

export interface FleetSyncOptions {
  /** Null when there is no fleet to hear from (the in-process memory store): L1 is always current. */
  channel: FleetChannel | null
  /** How old the proof may be for L1 to be trusted past the short window, and when it is renewed. */
  proof: Record<'listening' | 'deaf', ProofTiming>
  /** The newest state seen of each user: what broadcasts and the log move forward. */
  order: StateOrder
  emit: (event: CacheEvent) => void
  /** The user store's time: orders are times on it. */
  now: () => number
  /** Drop one user from L1 (and from lookups in flight). */
  forget: (userId: string) => void
  /** Drop all of L1 (and lookups in flight): more changed than one catch-up can list. */
  forgetAll: () => void
}

/**
 * One read's page, and how many pages (and how long) one catch-up reads before it starts over from
 * the newest page, forgetting what it skipped: a new instance too, for a log buried under junk
 * entries (200,000 took 4.6 s to read whole). 11 pages: a log capped near 10,000 (MAXLEN ~ keeps
 * up to a node more) is read whole when it can be read quickly.
 */
const PAGE = 1_000
const MAX_PAGES = 11
const MAX_READ_MS = 300
/** Orders from another process's clock are believed at most this far ahead of ours. */
const CLOCK_TOLERANCE_MS = 5_000
/** How long a proof checked on the hot path is taken as holding without a second look (proven()). */
const RECHECK_MS = 20

/**
 * What this instance knows of the fleet's changes and how it knows it: broadcasts (fast), the
 * change log read with a cursor (the proof, and the catch-up after deafness — ids the store
 * assigns, so no clock decides what was missed), and the order of each user's states.
 */
export class FleetSync {
  readonly order: StateOrder
  readonly #liveness: Liveness | undefined
  /** Where the store runs the heartbeat's script: a listening instance's proof comes from the beats it hears. */
  readonly #heartbeat: FleetHeartbeat | undefined
  /**
   * The last log id applied; the first read starts from the beginning and seeds the order. Never
   * one far ahead of this process's clocks (change-log.ts): reads stop before such an entry.
   */
  #cursor = '0'
  #seeded = false
  readonly #deafness: Deafness | undefined
  #coveredSince = Number.NEGATIVE_INFINITY

  constructor(private readonly options: FleetSyncOptions) {
    this.order = options.order
    const channel = options.channel
    // Beats flowing, the proof is renewed by them: this instance reads the log only once it lapses.
    const beating = { ...options.proof.listening, renewAfterMs: options.proof.listening.windowMs }
    const liveness = channel
      ? new Liveness({
          timing: (mono) =>
            !channel.listening
              ? options.proof.deaf
              : this.#heartbeat?.flowing(mono)
                ? beating
                : options.proof.listening,
          read: () => this.#catchUp(),
          onRegained: (durationMs) => options.emit({ type: 'deaf-period', durationMs }),
        })
      : undefined
    this.#liveness = liveness
    this.#deafness = channel
      ? new Deafness(channel, { emit: options.emit, beatsFlowing: (mono) => this.#heartbeat?.flowing(mono) ?? false })
      : undefined
    this.#heartbeat =
      channel?.beats && liveness
        ? new FleetHeartbeat({
            now: options.now,
            cursor: () => this.#cursor,
            beat: (time, head, leaseTtlMs) => channel.beat(time, head, leaseTtlMs),
            prove: (mono) => liveness.prove(mono),
            read: () => void liveness.renew(),
            deaf: () => this.#deafness!.replace(),
          })
        : undefined
  }

  /**
   * Whether L1 may be trusted past the short window now; renews the proof when it gets old. The hot
   * path: a proof checked less than RECHECK_MS ago (and holding longer) holds without a wall-clock
   * read — a tighter window (the subscription lost) is so noticed at most RECHECK_MS late, and a
   * machine that slept (the monotonic clock stood still) is trusted RECHECK_MS of it after waking,
   * as L1's own short window, on the same clock, already is for a second.
   */
  proven(mono = performance.now()): boolean {
    if (mono < this.#provenUntil) return true
    const liveness = this.#liveness
    if (!liveness) return true
    liveness.touch(mono)
    if (this.options.channel!.listening) this.#heartbeat?.tick(mono)
    const left = liveness.provenForMs(mono)
    if (left >= 0) this.#provenUntil = mono + Math.min(left, RECHECK_MS)
    return left >= 0
  }
  #provenUntil = Number.NEGATIVE_INFINITY

  /** Renews the proof in the background if it is getting old. */
  touch(): void {
    this.#liveness?.touch()
  }

  /** A beat heard on the fleet channel: another instance's, or this one's own echo (fleet/heartbeat.ts). */
  heardBeat(beat: Beat, own: boolean): void {
    this.#heartbeat?.heard(beat, own)
  }

  /**
   * Whether the log has been read once (whole, or from its newest page: see coveredSince): until
   * then a state in L2 may be one the fleet moved past.
   */
  get seeded(): boolean {
    return !this.#liveness || this.#seeded
  }

  /**
   * The user store's time from which this instance knows every change the fleet logged: -Infinity
   * once it has read the log from its start; later when it had to skip part of it (a log too long
   * to read in time, a gap under its cursor). An L2 state read before it is not believed: a change
   * it never saw may supersede it.
   */
  get coveredSince(): number {
    return this.#coveredSince
  }

  /** Reads the log now (a validation is waiting on it); true once the proof is fresh. */
  renew(): Promise<boolean> {
    return this.#liveness?.renew() ?? Promise.resolve(true)
  }

  /** A broadcast: another instance changed this user. */
  heard(message: FleetMessage): void {
    // Older than anything still served (TTL + grace): a recorded broadcast, republished. It can
    // supersede nothing, and taken in it would only push users with a live order out of memory.
    if (this.#outlived(message.order)) return
    this.order.saw(message.userId, clamp(message.order, this.options.now()))
    this.options.forget(message.userId)
    if (message.logId === '') return // sent while the log could not be written; logged later, and heard then
    this.#deafness?.heard(message.logId)
  }

  stats() {
    const liveness = this.#liveness
    // null: since the log's start (JSON has no -Infinity).
    const coveredSince = Number.isFinite(this.#coveredSince) ? this.#coveredSince : null
    const heartbeat = this.#heartbeat?.state() ?? null
    return liveness
      ? {
          proven: liveness.proven(),
          proofAgeMs: liveness.ageMs(),
          deafForMs: liveness.deafForMs(),
          coveredSince,
          heartbeat,
        }
      : { proven: true, proofAgeMs: 0, deafForMs: null, coveredSince, heartbeat }
  }

  async #catchUp(): Promise<boolean> {
    const channel = this.options.channel!
    const seeding = !this.#seeded
    const started = performance.now()
    // Unbounded only where there is no newest page to start from (a store without readLogTail),
    // at startup: stopping short would leave the newest changes — those a replay hides behind — unread.
    const bounded = !seeding || channel.readsTails
    let dropped = 0
    let overflow = false
    for (let page = 0; ; page++) {
      if (bounded && (page >= MAX_PAGES || performance.now() - started > MAX_READ_MS)) {
        const skipped = await this.#skipAhead(seeding)
        if (skipped === null) return false
        dropped += skipped
        overflow = !seeding // more changed than a catch-up lists (a long deafness in a busy fleet)
        break
      }
      const read = await channel.readLog(this.#cursor, PAGE)
      if (read === null) return false
      if (read.gap) {
        overflow = this.#restart(read.count > 0, read.resumesAt) || overflow
        continue
      }
      for (const change of read.changes) dropped += this.#apply(change, seeding) ? 1 : 0
      this.#cursor = read.last
      if (read.count < PAGE || read.ahead) break // the end, or an entry no cursor may move onto
    }
    this.#seeded = true
    this.options.emit({ type: 'log-read', dropped, overflow })
    this.#deafness!.check()
    return true
  }

  /**
   * A catch-up hit its bound: the changes it did not read are forgotten — all of L1, and every L2
   * state read before now — and reading goes on from the newest page. Null: the store did not answer.
   */
  async #skipAhead(seeding: boolean): Promise<number | null> {
    const channel = this.options.channel!
    const since = this.options.now() // what it skips was logged before the tail is read
    const tail = await channel.readLogTail(PAGE)
    if (tail === null) return null
    this.#forgetBefore(since)
    if (tail === undefined) return 0 // no tails: the next catch-up goes on from where this one stopped
    let dropped = 0
    for (const change of tail.changes) dropped += this.#apply(change, seeding) ? 1 : 0
    this.#cursor = tail.last
    return dropped
  }

  /**
   * The entry under the cursor is gone — trimmed past, or the log deleted, replaced, evicted or
   * expired: read it again from its start. L1 is forgotten. Older L2 states are refused too
   * (#forgetBefore), unless the log may just have expired — nothing after the cursor for keepMs, or
   * begun anew no sooner than the old one could have expired (each append keeps it keepMs): each
   * change writes L2 before it is logged, so a quiet fleet's next change costs L2 reads, not
   * queries. True when L2 states were refused.
   */
  #restart(laterEntries: boolean, resumesAt = Number.NEGATIVE_INFINITY): boolean {
    const cursorMs = idMs(this.#cursor) ?? Number.NEGATIVE_INFINITY
    this.#cursor = '0'
    const now = this.options.now()
    // Ids on the store's clock on both sides; never one from the future, which anyone can write.
    const expired = laterEntries
      ? resumesAt >= cursorMs + this.order.keepMs - 1 && resumesAt <= now + AHEAD_MS
      : cursorMs + this.order.keepMs - AHEAD_MS <= now
    if (expired) this.options.forgetAll()
    else this.#forgetBefore(now)
    return !expired
  }

  /** Nothing this process knows of the fleet's changes before `time` is complete: L1 and older L2 states go. */
  #forgetBefore(time: number): void {
    this.#coveredSince = Math.max(this.#coveredSince, time)
    this.options.forgetAll()
  }

  /** One logged change: its order is recorded; the user is dropped unless a broadcast did that already. */
  #apply(change: FleetMessage & { own: boolean }, seeding: boolean): boolean {
    if (this.#outlived(change.order)) return false // as a broadcast: supersedes nothing still served
    this.order.saw(change.userId, clamp(change.order, this.options.now()))
    if (change.own || !this.#deafness!.shown(change.logId, seeding)) return false
    this.options.forget(change.userId)
    return true
  }

  #outlived(order: number): boolean {
    return order < this.options.now() - this.order.keepMs
  }
}

const clamp = (order: number, now: number): number => Math.min(order, now + CLOCK_TOLERANCE_MS)
