import type { UserSource } from '../../src/sources/user-source.js'
import type { UserState } from '../../src/user-state.js'

/** A user source over a Map the test edits: who exists, and in what state. */
export function mapSource(): UserSource & { users: Map<string, UserState> } {
  const users = new Map<string, UserState>()
  return {
    name: 'map',
    users,
    fetchUser: async (id) => users.get(id) ?? null,
    setSessionsRevokedAt: async () => undefined,
  }
}
