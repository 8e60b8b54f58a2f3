import type { UserState } from '../user-state.js'

/**
 * Where the truth about users lives (Supabase Auth, or Postgres `auth.users`).
 * `fetchUser` resolves null for a user that does not exist and throws for anything else that
 * went wrong: a thrown error is never turned into a verdict. `signal` aborts once the cache has
 * stopped waiting (the source timeout): stop the work then — the Postgres source cancels its
 * statement at the server; Supabase's requests carry the same timeout themselves.
 */
export interface UserSource {
  readonly name: string
  fetchUser(userId: string, signal: AbortSignal): Promise<UserState | null>
  /** Persists the revocation time (null clears it). Must be durable: the cache can be flushed. */
  setSessionsRevokedAt(userId: string, at: number | null, signal: AbortSignal): Promise<void>
}
