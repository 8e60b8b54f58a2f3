import type { UserSource } from '../../src/sources/user-source.js'
import type { UserState } from '../../src/user-state.js'

/**
 * A user source held in memory, standing in for Supabase/Postgres (whose sources have suites of
 * their own) so engine tests can count queries and switch failures on. Not a Redis mock:
 * every engine test runs against real Redis.
 */
export class FleetSource implements UserSource {
  readonly name = 'test-users'
  readonly users = new Map<string, UserState>()
  queries = 0
  mode: 'ok' | 'throw' | 'hang' = 'ok'
  /** Added to every query, to widen races the way a remote store does. */
  latencyMs = 0

  add(id: string, state: Partial<UserState> = {}): string {
    this.users.set(id, { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null, ...state })
    return id
  }

  update(id: string, change: Partial<UserState>): void {
    this.users.set(id, { ...this.users.get(id)!, ...change })
  }

  async fetchUser(userId: string, signal: AbortSignal): Promise<UserState | null> {
    this.queries++
    if (this.mode === 'throw') throw new Error('user source unreachable (test)')
    if (this.mode === 'hang')
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    // Read first, answer late: a lookup racing a change returns the state from before it.
    const state = this.users.get(userId) ?? null
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs))
    return state
  }

  async setSessionsRevokedAt(userId: string, at: number | null, signal: AbortSignal): Promise<void> {
    if (this.mode === 'hang')
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    if (this.mode !== 'ok') throw new Error('user source unreachable (test)')
    this.update(userId, { sessionsRevokedAt: at })
  }
}
