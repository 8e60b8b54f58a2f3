import type { SupabaseClient } from '@supabase/supabase-js'
import { StoreClock } from './store-clock.js'
import { supabaseClient, timedFetch } from './supabase-client.js'
import type { UserSource } from './user-source.js'
import { REVOKED_AT_KEY, revokedAtValue, stateFromAuthUser, type AuthUserFields } from './auth-user.js'

export interface SupabaseSourceOptions {
  url: string
  /** The service-role key: server-side only. The admin API refuses anything less. */
  serviceRoleKey: string
  /** Bound on each admin API request; supabase-js has none of its own. Default 2,000 ms. */
  timeoutMs?: number
}

/**
 * The user source behind Supabase Auth, through its admin API (`auth.admin.getUserById`): one
 * GET per lookup. Only `user_not_found` is an answer (the user is missing); every other error
 * — 401, 429, 5xx, refused, timed out — is thrown, and the cache serves stale or `unavailable`.
 */
export function supabaseSource(
  options: SupabaseSourceOptions,
): UserSource & { client: SupabaseClient; clock: StoreClock } {
  const timeoutMs = options.timeoutMs ?? 2_000
  // A reading: Auth's health endpoint, for its Date header (every answer's is one).
  const clock: StoreClock = new StoreClock(async () => {
    const response = await timedFetch(timeoutMs, clock)(`${options.url}/auth/v1/health`)
    await response.body?.cancel()
  })
  const client = supabaseClient(options.url, options.serviceRoleKey, timeoutMs, clock)
  return {
    name: 'supabase',
    client,
    clock,
    async fetchUser(userId) {
      const { data, error } = await client.auth.admin.getUserById(userId)
      if (error) {
        if (error.status === 404 && error.code === 'user_not_found') return null
        throw error
      }
      const user = data.user as typeof data.user & AuthUserFields
      return stateFromAuthUser({
        ...user,
        sessions_revoked_at: user.app_metadata?.[REVOKED_AT_KEY] as string | null | undefined,
        role: user.app_metadata?.role,
      })
    },
    async setSessionsRevokedAt(userId, at) {
      // GoTrue merges app_metadata key by key, so roles and providers stay as they are.
      const { error } = await client.auth.admin.updateUserById(userId, {
        app_metadata: { [REVOKED_AT_KEY]: revokedAtValue(at) },
      })
      if (error) throw error
    },
  }
}
