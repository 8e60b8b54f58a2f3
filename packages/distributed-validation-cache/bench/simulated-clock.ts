/**
 * Date.now() and performance.now() driven by the benchmark, so whole TTLs pass in seconds of
 * real time. Timers stay real: only what the engine reads as "now" moves.
 */
export class SimulatedClock {
  #now = Date.now()
  #restore: (() => void) | undefined

  now(): number {
    return this.#now
  }

  advance(ms: number): void {
    this.#now += ms
  }

  install(): void {
    const { now: dateNow } = Date
    const perfNow = performance.now
    const offset = this.#now - perfNow.call(performance) // performance.now() keeps counting from where it was
    Date.now = () => this.#now
    performance.now = () => this.#now - offset
    this.#restore = () => {
      Date.now = dateNow
      performance.now = perfNow
    }
  }

  uninstall(): void {
    this.#restore?.()
    this.#restore = undefined
  }
}
