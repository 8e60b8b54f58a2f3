import type { UserState } from '../user-state.js'
import type { StoreClock } from './store-clock.js'

/**
 * Where the truth about users lives (Supabase Auth, or Postgres `auth.users`).
 * `fetchUser` resolves null for a user that does not exist and throws for anything else that
 * went wrong: a thrown error is never turned into a verdict. `signal` aborts once the cache has
 * stopped waiting (the source timeout): stop the work then — the Postgres source cancels its
 * statement at the server; Supabase's requests carry the same timeout themselves.
 */
export interface UserSource {
  readonly name: string
  /** The store's own clock as its lookups read it: bans and revocations are judged on it. */
  readonly clock?: StoreClock
  fetchUser(userId: string, signal: AbortSignal): Promise<UserState | null>
  /** Persists the revocation time (null clears it). Must be durable: the cache can be flushed. */
  setSessionsRevokedAt(userId: string, at: number | null, signal: AbortSignal): Promise<void>
  /**
   * Optional: hear of changes made anywhere — the auth.users trigger's NOTIFY
   * (setup/triggers.ts). Resolves once listening on `channel`; rejects when it cannot start.
   */
  listen?(channel: string, handlers: ChangeHandlers): Promise<ChangeListener>
}

export interface ChangeHandlers {
  /** A user's access may have changed: what the notification said (not yet checked as an id). */
  onChange(userId: string): void
  /** The listening connection came up again by itself: notifications may have been lost meanwhile. */
  onRelisten(): void
}

/** An open listen; the cache checks it end to end, since a connection can die without a word. */
export interface ChangeListener {
  /** Resolves once a probe sent through the store came back on the listening connection. */
  ping(): Promise<void>
  /** The users changed since `since` (the store's epoch ms), as the store logged them: what a gap missed. */
  changesSince(since: number): Promise<string[]>
  close(): Promise<void>
}
