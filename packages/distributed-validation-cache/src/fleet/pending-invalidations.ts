/**
 * Users whose change reached the user source but not the whole fleet (L2 write or broadcast
 * failed). Until a retry succeeds, an old L2 entry could un-revoke them for a TTL once Redis is
 * back, so retries run on a timer, not only when traffic happens to probe the breaker.
 */
export class PendingInvalidations {
  /** User → generation: a user added again while their retry runs stays pending after it. */
  readonly #users = new Map<string, number>()
  #generation = 0
  #timer: NodeJS.Timeout | undefined
  #inFlight: Promise<void> | undefined
  #again = false
  #closed = false

  constructor(
    private readonly retry: (userId: string) => Promise<boolean>,
    private readonly intervalMs = 1_000,
  ) {}

  add(userId: string): void {
    this.#users.set(userId, ++this.#generation)
    if (this.#closed) return // the cache closed: a late change (a notification) must not retry against a closed store
    this.#timer ??= setInterval(() => void this.flush(), this.intervalMs).unref()
  }

  /**
   * One pass at a time (the timer, a recovered breaker and a resumed subscription may all ask at
   * once); asked during a pass, it runs another pass after it rather than waiting for the timer.
   */
  flush(): Promise<void> {
    if (this.#inFlight) this.#again = true
    this.#inFlight ??= this.#flush().finally(() => (this.#inFlight = undefined))
    return this.#inFlight
  }

  async #flush(): Promise<void> {
    do {
      this.#again = false
      for (const [userId, generation] of [...this.#users]) {
        if ((await this.retry(userId)) && this.#users.get(userId) === generation) this.#users.delete(userId)
      }
    } while (this.#again && this.#users.size > 0)
    if (this.#users.size === 0) this.stop()
  }

  get size(): number {
    return this.#users.size
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** For good: the cache closed; nothing is retried any more. */
  close(): void {
    this.#closed = true
    this.stop()
  }
}
