/** Concurrent callers asking for the same key in this process share one promise. */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T>>()

  run(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.#inFlight.get(key)
    if (running) return running
    const flight = work().finally(() => {
      if (this.#inFlight.get(key) === flight) this.#inFlight.delete(key)
    })
    this.#inFlight.set(key, flight)
    return flight
  }

  /** Later callers start a new flight: used when the running one may carry outdated state. */
  forget(key: string): void {
    this.#inFlight.delete(key)
  }

  /** forget() for every key. */
  clear(): void {
    this.#inFlight.clear()
  }
}
