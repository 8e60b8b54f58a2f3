/**
 * Users whose change reached the user store but not the whole fleet (L2 write or broadcast
 * failed). Until a retry succeeds, an old L2 entry could un-revoke them for a TTL once Redis is
 * back, so retries run on a timer, not only when traffic happens to probe the breaker.
 */
export class PendingInvalidations {
  readonly #users = new Set<string>()
  #timer: NodeJS.Timeout | undefined

  constructor(private readonly retry: (userId: string) => Promise<boolean>, private readonly intervalMs = 1_000) {}

  add(userId: string): void {
    this.#users.add(userId)
    this.#timer ??= setInterval(() => void this.flush(), this.intervalMs).unref()
  }

  #inFlight: Promise<void> | undefined

  /** One pass at a time: the timer, a recovered breaker and a resumed subscription may all ask at once. */
  flush(): Promise<void> {
    this.#inFlight ??= this.#flush().finally(() => (this.#inFlight = undefined))
    return this.#inFlight
  }

  async #flush(): Promise<void> {
    for (const userId of [...this.#users]) if (await this.retry(userId)) this.#users.delete(userId)
    if (this.#users.size === 0) this.stop()
  }

  get size(): number {
    return this.#users.size
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }
}
