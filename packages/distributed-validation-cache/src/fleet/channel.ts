import { withDeadline } from '../deadline.js'
import type { CacheEvent } from '../events.js'
import type { GuardedStore } from '../stores/guarded-store.js'
import { decodeMessage, encodeFill, encodeMessage, type FleetMessage } from './invalidation.js'
import { beatLeaseKey, changeLogKey, invalidationChannel } from '../tiers/keys.js'
import { type Beat, encodeBeat } from './heartbeat.js'
import type { LogEntry, Store, Subscription } from '../stores/store.js'
import { ChangeLog, type LogPage } from './change-log.js'

/** Entries the log keeps (about): a deaf instance catches up on this many changes before it forgets all of L1. */
const LOG_LENGTH = 10_000

/** A read of the change log, its entries verified. */
export type VerifiedPage = LogPage & { changes: (FleetMessage & { own: boolean })[] }

export interface FleetChannelOptions {
  prefix: string
  secret: string
  /** How long the change log lives after its last entry: as long as a state it supersedes may be served. */
  logKeepMs: number
  /** The user store's time: an order is a time on it. */
  now: () => number
  /** Bound on the subscribed connection's answer to a PING (or, over SSE, a probe's round trip). */
  pingTimeoutMs: number
  emit: (event: CacheEvent) => void
  /** Another instance changed this user (to a state read at `order`): forget what L1 holds about them. */
  onInvalidate: (message: FleetMessage) => void
  /** Another instance filled L2 with this entry (as stored: signed, not judged yet). */
  onFill?: (userId: string, entry: string) => void
  /** The fleet heartbeat: a leader vouches for the log's head (fleet/heartbeat.ts). */
  onBeat?: (beat: Beat, own: boolean) => void
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
  readonly #origin = crypto.randomUUID()
  // The last received message's turn to be applied: each waits for the one before it.
  #received: Promise<void> = Promise.resolve()

  constructor(
    private readonly store: Store,
    private readonly guarded: GuardedStore,
    private readonly options: FleetChannelOptions,
  ) {}

  async listen(): Promise<void> {
    const { secret, emit } = this.options
    let droppedBefore = false
    const onMessage = (message: string) => {
      // Verified at once, in parallel; applied in the order received (Web Crypto may settle out of order).
      const decoding = decodeMessage(secret, message).catch(() => undefined) // handled now: it may wait its turn
      this.#received = this.#received
        .then(async () => {
          const decoded = await decoding
          const own = decoded?.origin === this.#origin
          // A beat is the heartbeat's, not a change (ours, back, proves our stream); our own fill is not news.
          if (decoded?.kind === 'beat') return this.options.onBeat?.(decoded, own)
          if (decoded?.kind === 'fill' && own) return
          emit({ type: 'broadcast-received', valid: decoded !== undefined })
          if (decoded === undefined || decoded.origin === this.#origin) return
          if (decoded.kind === 'invalidate') this.options.onInvalidate(decoded)
          else this.options.onFill?.(decoded.userId, decoded.entry)
        })
        .catch(() => undefined) // one message's failure must not stop the queue: the next may be a ban
    }
    const onListening = (listening: boolean) => {
      if (listening === this.listening) return
      this.listening = listening
      emit({ type: 'subscription', listening })
      if (!listening) droppedBefore = true
      else if (droppedBefore) this.options.onResume()
    }
    try {
      this.#subscription = await this.store.subscribe(invalidationChannel(this.options.prefix), {
        onMessage,
        onListening,
      })
    } catch {
      // Not listening: L1 falls back to its short no-broadcast TTL, as in serverless mode.
    }
  }

  /**
   * Warns the fleet, unlogged and before anything is known, that `userId` is changing: each
   * instance drops its copy and refuses states read before now — this very millisecond included,
   * as one read in it may predate the change. Sent before the revoker waits for the user's fleet
   * lock, which a stuck holder keeps for seconds; announce() follows. Returns the order it sent.
   */
  async forewarn(userId: string): Promise<number> {
    const order = this.options.now() + 1
    await this.#publish(userId, order, '')
    return order
  }

  /** This process's broadcast origin (unique per process). */
  get origin(): string {
    return this.#origin
  }

  /** Whether the store runs the heartbeat's script (not Redis Cluster, not a store without it). */
  get beats(): boolean {
    return typeof this.store.beat === 'function'
  }

  /** The heartbeat's one command: lease, head check and the beat's broadcast (stores/scripts.ts BEAT). */
  async beat(time: number, head: string, leaseTtlMs: number): Promise<'sent' | 'moved' | 'held' | null> {
    const { prefix, secret } = this.options
    const message = await encodeBeat(secret, { origin: this.#origin, time, head })
    return this.guarded
      .beat(
        { lease: beatLeaseKey(prefix), log: changeLogKey(prefix) },
        { token: this.#origin, leaseTtlMs, head, channel: invalidationChannel(prefix), message },
      )
      .catch(() => null)
  }

  /** The broadcast that carries a fill (published by the fill script itself, in the same round trip). */
  fillAnnouncement(userId: string, entry: string): { channel: string; message: string } {
    return {
      channel: invalidationChannel(this.options.prefix),
      message: encodeFill({ userId, origin: this.#origin, entry }),
    }
  }

  /**
   * Tells the fleet that `userId` changed to a state read at `order`: logged first, so an
   * instance that misses the broadcast finds it in the log. False unless the store took both.
   */
  async announce(userId: string, order: number): Promise<boolean> {
    const { secret } = this.options
    const entry = await encodeMessage(secret, { kind: 'invalidate', userId, origin: this.#origin, order, logId: '' })
    const logId = await this.#log.append(entry)
    // Unlogged, the change is still broadcast: the log's shard may be the one failing over while
    // PUBLISH reaches any node. Not announced until it is logged too: the caller retries.
    return (await this.#publish(userId, order, logId ?? '')) && logId !== null
  }

  /** One signed broadcast; `logId` empty when the change is not (yet) in the log. */
  async #publish(userId: string, order: number, logId: string): Promise<boolean> {
    const message = await encodeMessage(this.options.secret, {
      kind: 'invalidate',
      userId,
      origin: this.#origin,
      order,
      logId,
    })
    return this.guarded.publish(invalidationChannel(this.options.prefix), message).then(
      () => true,
      () => false,
    )
  }

  /**
   * The log's entries after `after` (see ChangeLog.read), verified (a forged one is dropped and
   * counted), with their ids, and whether they are this process's own; null when the store did not answer.
   */
  async readLog(after: string, limit: number): Promise<VerifiedPage | null> {
    const page = await this.#log.read(after, limit)
    return page && { ...page, changes: await this.#verify(page.entries) }
  }

  /** The newest `limit` entries, verified; null when the store did not answer, undefined when it cannot say. */
  async readLogTail(limit: number): Promise<VerifiedPage | null | undefined> {
    const page = await this.#log.tail(limit)
    return page && { ...page, changes: await this.#verify(page.entries) }
  }

  /** Whether the store can read the log's newest page (readLogTail). */
  get readsTails(): boolean {
    return this.#log.readsTails
  }

  #changeLog: ChangeLog | undefined
  get #log(): ChangeLog {
    const { prefix, logKeepMs, now, emit } = this.options
    this.#changeLog ??= new ChangeLog(this.guarded, {
      key: changeLogKey(prefix),
      maxLength: LOG_LENGTH,
      keepMs: logKeepMs,
      now,
      emit,
    })
    return this.#changeLog
  }

  async #verify(entries: LogEntry[]): Promise<(FleetMessage & { own: boolean })[]> {
    const changes: (FleetMessage & { own: boolean })[] = []
    for (const { id, entry } of entries) {
      const decoded = await decodeMessage(this.options.secret, entry)
      if (decoded?.kind !== 'invalidate')
        this.options.emit({ type: 'tampered', reason: 'bad-signature' }) // written by someone without the secret
      else changes.push({ ...decoded, logId: id, own: decoded.origin === this.#origin })
    }
    return changes
  }

  /** The log showed a change the subscription never delivered: replace its connection. */
  /**
   * Whether the subscribed connection answers in-band within the bound — a Redis PING on that very
   * connection, an Upstash probe published and heard back on that very stream; true where the
   * backend has no such check (the in-process store).
   */
  async pingSubscription(): Promise<boolean> {
    const ping = this.#subscription?.ping
    if (!ping || !this.listening) return true
    this.options.emit({ type: 'store-command', operation: 'ping' })
    return withDeadline(ping(), this.options.pingTimeoutMs, () => new Error('no PONG')).then(
      () => true,
      () => false,
    )
  }

  reconnect(): void {
    this.#subscription?.reconnect?.()
  }

  async close(): Promise<void> {
    await this.#subscription?.().catch(() => undefined)
    this.listening = false
  }
}
