export type BreakerState = 'closed' | 'open' | 'half-open'

export interface CircuitBreakerOptions {
  /** Consecutive failures that open the circuit. */
  failureThreshold?: number
  /** How long the circuit stays open before one probe call is let through. */
  cooldownMs?: number
  onStateChange?: (state: BreakerState) => void
}

/**
 * Stops calling a store that keeps failing, so a dead Redis costs each request nothing instead
 * of a timeout; lets one probe through after a cooldown and closes again when it succeeds.
 */
export class CircuitBreaker {
  #state: BreakerState = 'closed'
  #failures = 0
  #openedAt = 0
  #probeInFlight = false
  readonly #threshold: number
  readonly #cooldownMs: number
  readonly #onStateChange?: (state: BreakerState) => void

  constructor(options: CircuitBreakerOptions = {}) {
    this.#threshold = options.failureThreshold ?? 3
    this.#cooldownMs = options.cooldownMs ?? 1_000
    this.#onStateChange = options.onStateChange
  }

  get state(): BreakerState {
    return this.#state
  }

  /** Whether a call may go ahead now. A true answer in half-open state reserves the one probe. */
  allow(now = Date.now()): boolean {
    if (this.#state === 'closed') return true
    if (this.#state === 'open' && now - this.#openedAt >= this.#cooldownMs) this.#set('half-open')
    if (this.#state === 'half-open' && !this.#probeInFlight) {
      this.#probeInFlight = true
      return true
    }
    return false
  }

  /** Evidence from elsewhere that the target is back (e.g. a reconnect): let the next call probe now. */
  probeNow(): void {
    if (this.#state === 'open') this.#set('half-open')
  }

  success(): void {
    this.#failures = 0
    this.#probeInFlight = false
    if (this.#state !== 'closed') this.#set('closed')
  }

  failure(now = Date.now()): void {
    this.#probeInFlight = false
    this.#failures += 1
    if (this.#state === 'half-open' || (this.#state === 'closed' && this.#failures >= this.#threshold)) {
      this.#openedAt = now
      this.#set('open')
    }
  }

  #set(state: BreakerState): void {
    this.#state = state
    this.#onStateChange?.(state)
  }
}
