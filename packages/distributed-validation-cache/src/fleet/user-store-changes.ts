import { withDeadline } from '../deadline.js'
import type { CacheEvent } from '../events.js'
import type { ChangeListener, UserSource } from '../sources/user-source.js'

const CATCH_UP_MARGIN_MS = 60_000

export interface UserStoreChangesOptions {
  /** The trigger's NOTIFY channel for this prefix (setup/triggers.ts). */
  channel: string
  /** How often the listening connection is proven end to end. */
  heartbeatMs: number
  /** Bound on one probe's round trip, and on opening a listen. */
  pingTimeoutMs: number
  /** How far back a new listener reads what it missed: as long as a state from before may be served. */
  catchUpMs: number
  /** The user store's time. */
  now: () => number
  emit: (event: CacheEvent) => void
  /** Whether a notification names a user id this cache accepts; the id as the cache keys it. */
  userIdOf: (raw: string) => string | undefined
  /** Heard as it happened: forget the user, and see that the fleet's shared copy is replaced. */
  onChange: (userId: string) => void
  /** Found in the store's log after a gap: forget the user here (what was shared meanwhile is suspect). */
  onMissed: (userId: string) => void
}

/**
 * Changes heard from the user store itself (the auth.users trigger's NOTIFY), by every instance:
 * a ban made in the Supabase dashboard or by plain SQL, which no broadcast announces. A listening
 * connection can go quiet without closing (a NAT that forgets it, a pooler that drops LISTEN), so
 * a heartbeat — a probe sent through the store's pool and heard back on the listening connection
 * — proves it; an unanswered one replaces the connection, waiting longer after each failure. After
 * any gap (a new listen, a reconnect) the store's log of changes says what was missed.
 */
export class UserStoreChanges {
  listening = false
  #listener: ChangeListener | null = null
  #timer: ReturnType<typeof setInterval> | undefined
  #beating = false
  #closed = false
  #failures = 0
  #skip = 0
  /** The store's time at the last proof: nothing before it was missed. */
  #provenAt: number | undefined

  constructor(
    private readonly source: UserSource,
    private readonly options: UserStoreChangesOptions,
  ) {}

  async start(): Promise<void> {
    if (typeof this.source.listen !== 'function' || this.#timer) return
    this.#timer = setInterval(() => void this.#beat(), this.options.heartbeatMs)
    this.#timer.unref?.()
    await this.#beat()
  }

  async #beat(): Promise<void> {
    if (this.#beating || this.#closed) return
    if (this.#skip > 0) return void this.#skip--
    this.#beating = true
    const { pingTimeoutMs } = this.options
    try {
      if (!this.#listener) {
        this.#listener = await this.#bounded(this.#listen())
        await this.#catchUp(this.#listener)
      }
      const startedAt = this.options.now()
      await withDeadline(this.#listener.ping(), pingTimeoutMs, () => new Error('no probe came back'))
      this.#provenAt = startedAt
      this.#set(true)
      this.#failures = 0
    } catch {
      if (this.#listener) this.options.emit({ type: 'user-store-listener', state: 'deaf' })
      this.#set(false)
      this.#skip = Math.min(2 ** this.#failures++, 8) - 1 // back off: 1, 2, 4, 8 beats between tries
      const replaced = this.#listener
      this.#listener = null
      await replaced?.close().catch(() => undefined)
    } finally {
      this.#beating = false
    }
  }

  /** A listen that does not open in time is given up on, and closed should it open later. */
  async #bounded(opening: Promise<ChangeListener>): Promise<ChangeListener> {
    const late = () =>
      void opening.then(
        (listener) => listener.close(),
        () => undefined,
      )
    const listener = await withDeadline(opening, this.options.pingTimeoutMs * 3, () => {
      late()
      return new Error('listen timed out')
    })
    if (this.#closed) throw (await listener.close(), new Error('closed'))
    return listener
  }

  #listen(): Promise<ChangeListener> {
    return this.source.listen!(this.options.channel, {
      onChange: (raw) => {
        const userId = this.options.userIdOf(raw)
        this.options.emit({ type: 'user-store-notification', valid: userId !== undefined })
        if (userId !== undefined) this.options.onChange(userId)
      },
      // The driver listened again by itself: what was sent while it was down is read from the log.
      onRelisten: () => {
        this.options.emit({ type: 'user-store-listener', state: 'lost' })
        const listener = this.#listener
        if (listener) void this.#catchUp(listener).catch(() => undefined)
      },
    })
  }

  /** Everyone the store logged a change of since the last proof (or, new, within catchUpMs). */
  async #catchUp(listener: ChangeListener): Promise<void> {
    // A margin: a change is logged when its statement runs, and may commit (and notify) a while later.
    const since = (this.#provenAt ?? this.options.now() - this.options.catchUpMs) - CATCH_UP_MARGIN_MS
    for (const raw of await listener.changesSince(since)) {
      const userId = this.options.userIdOf(raw)
      if (userId !== undefined) this.options.onMissed(userId)
    }
  }

  #set(listening: boolean): void {
    if (listening === this.listening) return
    this.listening = listening
    this.options.emit({ type: 'user-store-listener', state: listening ? 'listening' : 'lost' })
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#timer)
    await this.#listener?.close().catch(() => undefined)
    this.#listener = null
    this.listening = false
  }
}
