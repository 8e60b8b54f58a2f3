import { randomUUID } from 'node:crypto'
import type { CacheEvent } from './events.js'
import type { GuardedStore } from './guarded-store.js'
import { decodeMessage, encodeMessage } from './invalidation.js'
import { invalidationChannel } from './keys.js'
import type { Store, Subscription } from './store.js'

export interface FleetChannelOptions {
  prefix: string
  secret: string
  emit: (event: CacheEvent) => void
  /** Another instance changed this user (to a state read at `order`): forget what L1 holds about them. */
  onInvalidate: (userId: string, order: number) => void
  /** The subscription came back after a drop: broadcasts were missed, forget all of L1. */
  onResume: () => void
}

/**
 * The fleet's invalidation broadcasts: signed messages out, verified messages in, and whether
 * this instance is listening right now (while it is not, L1 must not be trusted for long).
 */
export class FleetChannel {
  listening = false
  #subscription: Subscription | null = null
  // Unique per process, unlike INSTANCE_ID (a display name several replicas may share):
  // skipping "our own" broadcasts by a shared name would drop everyone's.
  readonly #origin = randomUUID()

  constructor(private readonly store: Store, private readonly guarded: GuardedStore, private readonly options: FleetChannelOptions) {}

  async listen(): Promise<void> {
    const { secret, emit } = this.options
    let droppedBefore = false
    const onMessage = (message: string) => {
      const decoded = decodeMessage(secret, message)
      emit({ type: 'broadcast-received', valid: decoded !== undefined })
      if (decoded?.kind === 'invalidate' && decoded.origin !== this.#origin) this.options.onInvalidate(decoded.userId, decoded.order)
    }
    const onListening = (listening: boolean) => {
      if (listening === this.listening) return
      this.listening = listening
      emit({ type: 'subscription', listening })
      if (!listening) droppedBefore = true
      else if (droppedBefore) this.options.onResume()
    }
    try {
      this.#subscription = await this.store.subscribe(invalidationChannel(this.options.prefix), { onMessage, onListening })
    } catch {
      // Not listening: L1 falls back to its short no-broadcast TTL, as in serverless mode.
    }
  }

  /** Publishes through the guarded store; false when the store did not take it. */
  broadcast(userId: string, order: number): Promise<boolean> {
    const message = encodeMessage(this.options.secret, { kind: 'invalidate', userId, origin: this.#origin, order })
    return this.guarded.publish(invalidationChannel(this.options.prefix), message).then(() => true, () => false)
  }

  async close(): Promise<void> {
    await this.#subscription?.().catch(() => undefined)
    this.listening = false
  }
}
