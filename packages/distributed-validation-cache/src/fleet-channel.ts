import { randomUUID } from 'node:crypto'
import type { CacheEvent } from './events.js'
import type { GuardedStore } from './guarded-store.js'
import { decodeMessage, encodeMessage } from './invalidation.js'
import { changeLogKey, invalidationChannel } from './keys.js'
import type { Change, Store, Subscription } from './store.js'

export interface FleetChannelOptions {
  prefix: string
  secret: string
  /** How long the change log keeps an entry: as long as a state it supersedes may be served. */
  logKeepMs: number
  emit: (event: CacheEvent) => void
  /** Another instance changed this user (to a state read at `order`): forget what L1 holds about them. */
  onInvalidate: (userId: string, order: number) => void
  /** The subscription came back after a drop: broadcasts were missed meanwhile. */
  onResume: () => void
}

/**
 * How the fleet hears of changes: each one is recorded in the change log, then broadcast. The
 * broadcast is the fast path (signed messages out, verified messages in); the log is what a deaf
 * instance reads to catch up, and what liveness.ts reads to prove nothing was missed.
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

  /**
   * Tells the fleet that `userId` changed to a state read at `order`: logged first, so an
   * instance that misses the broadcast finds it in the log. False unless the store took both.
   */
  async announce(userId: string, order: number): Promise<boolean> {
    const { prefix, secret, logKeepMs } = this.options
    const logged = await this.guarded.recordChange(changeLogKey(prefix), userId, order, logKeepMs).then(() => true, () => false)
    if (!logged) return false
    const message = encodeMessage(secret, { kind: 'invalidate', userId, origin: this.#origin, order })
    return this.guarded.publish(invalidationChannel(prefix), message).then(() => true, () => false)
  }

  /** The log since `since` (at most `limit` entries), or null when the store did not answer. */
  changesSince(since: number, limit: number): Promise<Change[] | null> {
    return this.guarded.changesSince(changeLogKey(this.options.prefix), since, limit).catch(() => null)
  }

  /** The log showed a change the subscription never delivered: replace its connection. */
  reconnect(): void {
    this.#subscription?.reconnect?.()
  }

  async close(): Promise<void> {
    await this.#subscription?.().catch(() => undefined)
    this.listening = false
  }
}
