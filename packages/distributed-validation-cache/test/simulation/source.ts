import { AsyncLocalStorage } from 'node:async_hooks'
import type { UserSource } from '../../src/sources/user-source.js'
import type { UserState } from '../../src/user-state.js'

/** Which change (refresh/revoke/restore) an async call belongs to: its own re-read is not a lookup. */
export const changeContext = new AsyncLocalStorage<number>()

export interface Mutation {
  /** The world's sequence number: orders a mutation against the start of a change in the same ms. */
  seq: number
  at: number
  state: UserState | null
  /** The change whose own call made it (revoke/restore persist first), if any. */
  byChange?: number
}

export interface Query {
  seq: number
  user: string
  at: number
  state: UserState | null
  /** Set when the query is a change's own re-read (propagation), not a validation's lookup. */
  change?: number
}

/**
 * The user store, held in the world like test/support/fleet-source.ts: every query is recorded with
 * its simulated time, every change with its sequence number, so the invariants can say what the
 * truth was at any moment. It reads first and answers `latencyMs` later, so a lookup racing a
 * change returns the state from before it.
 */
export class SimSource implements UserSource {
  readonly name = 'sim-users'
  readonly users = new Map<string, UserState | null>()
  readonly history = new Map<string, Mutation[]>()
  readonly queries: Query[] = []
  onQuery?: (userId: string, state: UserState | null, change: number | undefined) => void

  constructor(
    private readonly seq: () => number,
    readonly latencyMs: number,
  ) {}

  /** An edit made in the user store itself (an admin bans, deletes…), before the app is told. */
  write(userId: string, state: UserState | null): void {
    this.users.set(userId, state)
    const byChange = changeContext.getStore()
    const list = this.history.get(userId) ?? []
    list.push({ seq: this.seq(), at: Date.now(), state, ...(byChange === undefined ? {} : { byChange }) })
    this.history.set(userId, list)
  }

  state(userId: string): UserState | null {
    return this.users.get(userId) ?? null
  }

  async fetchUser(userId: string): Promise<UserState | null> {
    const state = this.state(userId)
    const change = changeContext.getStore()
    this.queries.push({
      seq: this.seq(),
      user: userId,
      at: Date.now(),
      state,
      ...(change === undefined ? {} : { change }),
    })
    this.onQuery?.(userId, state, change)
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs))
    return state
  }

  async setSessionsRevokedAt(userId: string, at: number | null): Promise<void> {
    const state = this.state(userId)
    if (state) this.write(userId, { ...state, sessionsRevokedAt: at })
  }
}
