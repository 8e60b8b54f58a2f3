import { UserNotFoundError } from '../errors.js'
import type { UserSource } from './user-source.js'
import { REVOKED_AT_KEY, revokedAtValue, stateFromAuthUser } from './auth-user.js'

/**
 * Runs one parameterized statement and returns its rows: all a SQL source needs of a driver.
 * `signal`, when given, cancels the statement at the server once the lookup has given up on it.
 */
export type SqlRunner = (text: string, params: unknown[], signal?: AbortSignal) => Promise<Record<string, unknown>[]>

// Only columns Supabase's own auth.users has, so the same query runs on Supabase's Postgres,
// on any Postgres with that table, and on our DDL subset.
// Epoch milliseconds, not timestamptz: drivers disagree on 'infinity' (Infinity, Invalid Date).
const SELECT_USER = `select (extract(epoch from banned_until) * 1000)::float8 as banned_until, deleted_at,
    raw_app_meta_data ->> '${REVOKED_AT_KEY}' as sessions_revoked_at, raw_app_meta_data -> 'role' as role
  from auth.users where id = $1::uuid`
const SET_REVOKED_AT = `update auth.users
  set raw_app_meta_data = case when $2::text is null then coalesce(raw_app_meta_data, '{}'::jsonb) - '${REVOKED_AT_KEY}'
      else coalesce(raw_app_meta_data, '{}'::jsonb) || jsonb_build_object('${REVOKED_AT_KEY}', $2::text) end,
    updated_at = now()
  where id = $1::uuid
  returning id`

/** Supabase's `auth.users` table read with one SQL query per lookup, over any driver. */
export function sqlSource(name: string, run: SqlRunner): UserSource {
  return {
    name,
    async fetchUser(userId, signal) {
      const [row] = await run(SELECT_USER, [userId], signal)
      return row ? stateFromAuthUser(row) : null
    },
    async setSessionsRevokedAt(userId, at, signal) {
      const rows = await run(SET_REVOKED_AT, [userId, revokedAtValue(at)], signal)
      if (rows.length === 0) throw new UserNotFoundError()
    },
  }
}
