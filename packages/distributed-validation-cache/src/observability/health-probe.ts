import { withDeadline } from '../deadline.js'
import type { ResolvedOptions } from '../options.js'

export interface Health {
  cache: 'ok' | 'down'
  source: 'ok' | 'down'
}

// A made-up user: any answer, found or not, proves the user source answers.
const PROBE_USER = '00000000-0000-4000-8000-00000000beef'
const REUSE_MS = 5_000

/**
 * Can the shared store and the user source be reached? For load-balancer health checks. Asks
 * both directly, past the breakers, and reuses an answer for 5 s so a flood of health checks
 * cannot flood the user source.
 */
export class HealthProbe {
  #last: { at: number; result: Promise<Health> } | undefined

  constructor(
    private readonly o: Pick<ResolvedOptions, 'store' | 'source' | 'prefix' | 'storeTimeoutMs' | 'sourceTimeoutMs'>,
  ) {}

  check(): Promise<Health> {
    if (this.#last && Date.now() - this.#last.at < REUSE_MS) return this.#last.result
    this.#last = { at: Date.now(), result: this.#checkNow() }
    return this.#last.result
  }

  async #checkNow(): Promise<Health> {
    const down = () => new Error('probe timed out')
    const outcome = (call: Promise<unknown>, timeoutMs: number) =>
      withDeadline(call, timeoutMs, down).then(
        () => 'ok' as const,
        () => 'down' as const,
      )
    const [cache, source] = await Promise.all([
      outcome(this.o.store.get(`${this.o.prefix}health`), this.o.storeTimeoutMs),
      outcome(this.o.source.fetchUser(PROBE_USER, AbortSignal.timeout(this.o.sourceTimeoutMs)), this.o.sourceTimeoutMs),
    ])
    return { cache, source }
  }
}
