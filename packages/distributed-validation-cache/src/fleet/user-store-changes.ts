import { withDeadline } from '../deadline.js'
import type { CacheEvent } from '../events.js'
import type { ChangeListener, UserSource } from '../sources/user-source.js'

export interface UserStoreChangesOptions {
  /** The trigger's NOTIFY channel for this prefix (setup/triggers.ts). */
  channel: string
  /** How often the listening connection is proven end to end. */
  heartbeatMs: number
  /** Bound on one probe's round trip. */
  pingTimeoutMs: number
  emit: (event: CacheEvent) => void
  /** Whether a notification names a user id this cache accepts; the id as the cache keys it. */
  userIdOf: (raw: string) => string | undefined
  /** The user store says this user changed: forget them, and every state read before now. */
  onChange: (userId: string) => void
}

/**
 * Changes heard from the user store itself (the auth.users trigger's NOTIFY), by every instance:
 * a ban made in the Supabase dashboard or by plain SQL, which no broadcast announces. A listening
 * connection can go quiet without closing (a NAT that forgets it, a pooler that drops LISTEN), so
 * a heartbeat — a probe sent through the store's pool and heard back on the listening connection
 * — proves it; an unanswered one replaces the connection, waiting longer after each failure.
 */
export class UserStoreChanges {
  listening = false
  #listener: ChangeListener | null = null
  #timer: ReturnType<typeof setInterval> | undefined
  #beating = false
  #failures = 0
  #skip = 0

  constructor(
    private readonly source: UserSource,
    private readonly options: UserStoreChangesOptions,
  ) {}

  /** Whether the source can tell: only then is there anything to prove. */
  get enabled(): boolean {
    return typeof this.source.listen === 'function'
  }

  async start(): Promise<void> {
    if (!this.enabled || this.#timer) return
    this.#timer = setInterval(() => void this.#beat(), this.options.heartbeatMs)
    this.#timer.unref?.()
    await this.#beat()
  }

  async #beat(): Promise<void> {
    if (this.#beating) return
    if (this.#skip > 0) return void this.#skip--
    this.#beating = true
    try {
      if (this.#listener) await withDeadline(this.#listener.ping(), this.options.pingTimeoutMs, () => new Error('deaf'))
      else this.#listener = await this.#listen()
      this.#set(true)
      this.#failures = 0
    } catch {
      if (this.#listener) this.options.emit({ type: 'user-store-listener', state: 'deaf' })
      this.#set(false)
      this.#skip = Math.min(2 ** this.#failures++, 8) - 1 // back off: 1, 2, 4, 8 beats between tries
      const replaced = this.#listener
      this.#listener = null
      await replaced?.close()
    } finally {
      this.#beating = false
    }
  }

  #listen(): Promise<ChangeListener> {
    return this.source.listen!(this.options.channel, {
      onChange: (raw) => {
        const userId = this.options.userIdOf(raw)
        this.options.emit({ type: 'user-store-notification', valid: userId !== undefined })
        if (userId !== undefined) this.options.onChange(userId)
      },
      onListening: () => this.#set(true),
    })
  }

  #set(listening: boolean): void {
    if (listening === this.listening) return
    this.listening = listening
    this.options.emit({ type: 'user-store-listener', state: listening ? 'listening' : 'lost' })
  }

  async close(): Promise<void> {
    clearInterval(this.#timer)
    await this.#listener?.close()
    this.#listener = null
    this.listening = false
  }
}
