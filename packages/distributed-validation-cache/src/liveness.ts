import type { Change } from './store.js'

/**
 * Proof that this process knows every change the fleet announced, instead of the client
 * library's word that it is subscribed. Every change is recorded in a log in the shared store
 * before it is broadcast; reading that log — and applying what it says — proves that nothing
 * announced before the read was missed, whatever happened to the subscription meanwhile (a NAT
 * that forgot it, a stalled stream, a failed-over shard, a frozen process). Broadcasts stay the
 * fast path; the log read is what correctness rests on.
 *
 * A proof is dated on both clocks when its read was sent: the monotonic one keeps counting while
 * a process is frozen (SIGSTOP, a suspended serverless instance), the wall clock while a machine
 * sleeps. Whichever moved further decides its age, so a thawed process holds no proof until its
 * next read. Reads happen only from touch() and renew(), which validations call: a busy instance
 * reads about once per `renewAfterMs`, an idle one never.
 */
export interface LivenessOptions {
  /** How old a proof may be and still let L1 be trusted for its full TTL. */
  windowMs: number
  /** A proof older than this is renewed by the next validation. */
  renewAfterMs: number
  /** Reads the changes recorded at `since` or later; null when the store did not answer. */
  read: (since: number) => Promise<Change[] | null>
  /** Applies what was read (drops those users from L1); the proof holds once it returned. */
  apply: (changes: Change[]) => void
}

/**
 * How far before the last read the next one looks: changes are dated by their writers' clocks,
 * which may run behind ours. The overlap is read again and skipped by order (cache.ts).
 */
export const CLOCK_MARGIN_MS = 5_000

export class Liveness {
  #provenMono = Number.NEGATIVE_INFINITY
  #provenWall = Number.NEGATIVE_INFINITY
  /** Every change recorded before this (wall ms, our clock) has been applied. */
  #coveredWall = Date.now()
  #reading: Promise<boolean> | undefined
  reads = 0

  constructor(private readonly options: LivenessOptions) {}

  /** Whether a proof is fresh. The hot path: two clock reads. */
  proven(): boolean {
    return Math.max(performance.now() - this.#provenMono, Date.now() - this.#provenWall) <= this.options.windowMs
  }

  /** Milliseconds since the last proof, or null if there never was one. */
  ageMs(): number | null {
    const age = Math.max(performance.now() - this.#provenMono, Date.now() - this.#provenWall)
    return Number.isFinite(age) ? Math.round(age) : null
  }

  /** Renews a proof that is getting old, in the background. */
  touch(): void {
    if (!this.#reading && performance.now() - this.#provenMono >= this.options.renewAfterMs) void this.renew()
  }

  /** Reads the log now (or joins the read in flight); true once a fresh proof holds. */
  renew(): Promise<boolean> {
    this.#reading ??= this.#read().finally(() => (this.#reading = undefined))
    return this.#reading
  }

  async #read(): Promise<boolean> {
    const mono = performance.now()
    const wall = Date.now()
    const changes = await this.options.read(this.#coveredWall - CLOCK_MARGIN_MS)
    if (changes === null) return false // the proof lapses by itself; validations fall back to the short window
    this.reads++
    this.options.apply(changes)
    this.#coveredWall = wall
    this.#provenMono = mono
    this.#provenWall = wall
    return true
  }
}
