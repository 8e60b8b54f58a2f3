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
export interface ProofTiming {
  /** How old a proof may be and still let L1 be trusted for its full TTL. */
  windowMs: number
  /** A proof older than this is renewed by the next validation that needs it. */
  renewAfterMs: number
}

export interface LivenessOptions {
  /** Asked at each use: tighter while no subscription is confirmed, when the log is the only fast path. */
  timing: (mono: number) => ProofTiming
  /** Reads the log and applies what it says; false when the store did not answer. */
  read: () => Promise<boolean>
  /** A read succeeded after reads had failed since `deafMs` ago. */
  onRegained?: (deafMs: number) => void
}

export class Liveness {
  #provenMono = Number.NEGATIVE_INFINITY
  #provenWall = Number.NEGATIVE_INFINITY
  #reading: Promise<boolean> | undefined
  #failedMono = Number.NEGATIVE_INFINITY
  /** When the reads now failing began to fail (undefined while they succeed). */
  #deafSince: number | undefined

  constructor(private readonly options: LivenessOptions) {}

  /** Whether a proof is fresh. The hot path: `mono` is the caller's performance.now(), and one wall-clock read. */
  proven(mono = performance.now()): boolean {
    return this.provenForMs(mono) >= 0
  }

  /** How much longer the proof holds (negative: it lapsed that long ago). */
  provenForMs(mono = performance.now()): number {
    return this.options.timing(mono).windowMs - this.#age(mono)
  }

  /** Milliseconds since the last proof, or null if there never was one. */
  ageMs(): number | null {
    const age = this.#age()
    return Number.isFinite(age) ? Math.round(age) : null
  }

  /** Milliseconds since the log reads now failing began to fail, or null while they succeed. */
  deafForMs(): number | null {
    return this.#deafSince === undefined ? null : Math.round(performance.now() - this.#deafSince)
  }

  /**
   * A proof that came some other way than this instance's own read — the fleet heartbeat vouching
   * for the log's head it has read to — dated `mono` (performance.now(), when what it shows held).
   */
  prove(mono: number): void {
    if (mono <= this.#provenMono) return
    if (this.#deafSince !== undefined) this.options.onRegained?.(performance.now() - this.#deafSince)
    this.#deafSince = undefined
    this.#provenMono = mono
    this.#provenWall = Date.now() - (performance.now() - mono)
  }

  /** Renews a proof that is getting old, in the background. */
  touch(now = performance.now()): void {
    const { renewAfterMs } = this.options.timing(now)
    if (!this.#reading && now - this.#provenMono >= renewAfterMs && now - this.#failedMono >= renewAfterMs)
      void this.renew()
  }

  /**
   * Reads the log now (or joins the read in flight); true once a fresh proof holds. Right after a
   * read failed it answers false at once: a store that is down must not cost every request a timeout.
   */
  renew(): Promise<boolean> {
    const now = performance.now()
    if (!this.#reading && now - this.#failedMono < this.options.timing(now).renewAfterMs) return Promise.resolve(false)
    this.#reading ??= this.#read().finally(() => (this.#reading = undefined))
    return this.#reading
  }

  async #read(): Promise<boolean> {
    const mono = performance.now() // the proof dates from before the read: what it shows was true by then
    const wall = Date.now()
    if (!(await this.options.read())) {
      this.#failedMono = performance.now()
      this.#deafSince ??= mono
      return false // the proof lapses by itself; validations fall back to the short window
    }
    if (this.#deafSince !== undefined) this.options.onRegained?.(performance.now() - this.#deafSince)
    this.#deafSince = undefined
    this.#provenMono = mono
    this.#provenWall = wall
    return true
  }

  #age(mono = performance.now()): number {
    return Math.max(mono - this.#provenMono, Date.now() - this.#provenWall)
  }
}
