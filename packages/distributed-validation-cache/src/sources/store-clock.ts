const uncertaintyOf = (roundTrip: number, resolutionMs: number) => roundTrip / 2 + resolutionMs / 2

/** This process's wall clock, read on the monotonic clock: a step of the system clock (NTP) moves neither. */
const localNow = () => performance.timeOrigin + performance.now()

/** How long one reading is the best there is: clocks drift, and a better round trip may come along. */
const READING_KEPT_MS = 60_000
/** An offset beyond this is a broken reading (a null read as 0, a replayed answer), not a clock. */
const PLAUSIBLE_OFFSET_MS = 86_400_000

/**
 * The user store's clock as this process reads it. A ban ends, and a revocation bites, on the
 * clock that wrote them (the database's `now()`, the Auth server's), so an instance whose own
 * clock runs ahead or behind neither shortens a ban nor lets a session signed just before a
 * revoke() survive it; and every instance of the fleet stamps and compares on the same clock.
 * Each lookup brings a reading; the one with the shortest round trip wins, as in NTP, for a minute.
 */
export class StoreClock {
  /** `reading`: asks the store its time and observes the answer — a reading without a user lookup. */
  constructor(private readonly reading?: (clock: StoreClock) => Promise<void>) {}

  #offsetMs = 0
  #last = Number.NEGATIVE_INFINITY
  #uncertaintyMs = Number.POSITIVE_INFINITY
  #readAt = Number.NEGATIVE_INFINITY
  #readings = 0

  /**
   * The store's time now, in whole epoch ms, as Date.now() is: a revocation is stored to the
   * millisecond, and a session signed in that very millisecond survives it, as with Date.now().
   */
  now(): number {
    const now = Math.floor(localNow() + this.#offsetMs)
    // Before any reading this process's own clock stands in, and the first reading may set it back
    // by any amount; after it, never backwards: a better reading may lower the offset a little.
    return this.#readings === 0 ? now : (this.#last = Math.max(this.#last, now))
  }

  /**
   * The latest the store's time may be now: what a revocation is stamped with, so a session signed
   * anywhere before it — even on an instance whose estimate errs the other way — is covered.
   */
  latest(): number {
    return this.now() + Math.ceil(this.#margin())
  }

  /** The earliest the store's time may be now: what a sign-in is stamped with, for the same reason. */
  earliest(): number {
    return this.now() - Math.ceil(this.#margin())
  }

  /** Whether any reading was taken: until then, this process's own clock stands in. */
  get read(): boolean {
    return this.#readings > 0
  }

  #margin(): number {
    return Number.isFinite(this.#uncertaintyMs) ? this.#uncertaintyMs : 0
  }

  /**
   * A reading: the store said `storeNow` between `sentAt` and `receivedAt` (this clock's
   * localNow()). `resolutionMs`: the reading's own grain (an HTTP Date: 1,000) — an offset within
   * it is no offset.
   */
  observe(storeNow: number, sentAt: number, receivedAt: number, resolutionMs = 0): void {
    const roundTrip = receivedAt - sentAt
    if (!Number.isFinite(storeNow) || !(roundTrip >= 0)) return
    const offset = storeNow + resolutionMs / 2 - (sentAt + roundTrip / 2)
    if (!(Math.abs(offset) < PLAUSIBLE_OFFSET_MS)) return
    const uncertainty = uncertaintyOf(roundTrip, resolutionMs)
    // A reading that disagrees with the one kept beyond both their errors (and a second): a clock
    // was stepped, here or there. It replaces the kept one, which is no floor for the new estimate.
    const stepped = this.#readings > 0 && Math.abs(offset - this.#offsetMs) > uncertainty + this.#margin() + 1_000
    const first = this.#readings++ === 0
    const current = performance.now() - this.#readAt < READING_KEPT_MS
    if (current && uncertainty > this.#uncertaintyMs && !stepped) return
    if (first || stepped) this.#last = Number.NEGATIVE_INFINITY
    this.#offsetMs = Math.abs(offset) <= uncertainty ? 0 : Math.round(offset)
    this.#uncertaintyMs = uncertainty
    this.#readAt = performance.now()
  }

  /** Takes a reading now, where the source can (never throws: without one, lookups bring them). */
  async takeReading(): Promise<void> {
    await this.reading?.(this).catch(() => undefined)
  }

  /** For stats(): the store's clock minus this one (ms), how sure that is, and from how many readings. */
  stats(): { offsetMs: number; uncertaintyMs: number | null; readings: number } {
    const sure = Number.isFinite(this.#uncertaintyMs) ? Math.round(this.#uncertaintyMs) : null
    return { offsetMs: this.#offsetMs, uncertaintyMs: sure, readings: this.#readings }
  }

  /** The local time a reading is taken at (pass it as sentAt / receivedAt). */
  static local(): number {
    return localNow()
  }
}
