import { randomUUID } from 'node:crypto'
import type { CacheEvent } from './events.js'
import type { GuardedStore } from './guarded-store.js'
import { decodeInvalidation, encodeInvalidation } from './invalidation.js'
import { invalidationChannel } from './keys.js'
import type { Store } from './store.js'

export interface FleetChannelOptions {
  prefix: string
  secret: string
  emit: (event: CacheEvent) => void
  /** Another instance changed this user: forget what L1 holds about them. */
  onInvalidate: (userId: string) => void
  /** The subscription came back after a drop: broadcasts were missed, forget all of L1. */
  onResume: () => void
}

/**
 * The fleet's invalidation broadcasts: signed messages out, verified messages in, and whether
 * this instance is listening right now (while it is not, L1 must not be trusted for long).
 */
export class FleetChannel {
  listening = false
  #unsubscribe: (() => Promise<void>) | null = null
  // Unique per process, unlike INSTANCE_ID (a display name several replicas may share):
  // skipping "our own" broadcasts by a shared name would drop everyone's.
  readonly #origin = randomUUID()

  constructor(private readonly store: Store, private readonly guarded: GuardedStore, private readonly options: FleetChannelOptions) {}

  async listen(): Promise<void> {
    const { secret, emit } = this.options
    let droppedBefore = false
    const onMessage = (message: string) => {
      const decoded = decodeInvalidation(secret, message)
      emit({ type: 'broadcast-received', valid: decoded !== undefined })
      if (decoded && decoded.origin !== this.#origin) this.options.onInvalidate(decoded.userId)
    }
    const onListening = (listening: boolean) => {
      if (listening === this.listening) return
      this.listening = listening
      emit({ type: 'subscription', listening })
      if (!listening) droppedBefore = true
      else if (droppedBefore) this.options.onResume()
    }
    try {
      this.#unsubscribe = await this.store.subscribe(invalidationChannel(this.options.prefix), { onMessage, onListening })
    } catch {
      // Not listening: L1 falls back to its short no-broadcast TTL, as in serverless mode.
    }
  }

  /** Publishes through the guarded store; false when the store did not take it. */
  broadcast(userId: string): Promise<boolean> {
    const message = encodeInvalidation(this.options.secret, userId, this.#origin)
    return this.guarded.publish(invalidationChannel(this.options.prefix), message).then(() => true, () => false)
  }

  async close(): Promise<void> {
    await this.#unsubscribe?.().catch(() => undefined)
    this.listening = false
  }
}
