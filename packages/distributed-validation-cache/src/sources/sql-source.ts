import { UserNotFoundError } from '../errors.js'
import type { UserSource } from './user-source.js'
import { REVOKED_AT_KEY, revokedAtValue, stateFromAuthUser } from './auth-user.js'
import { StoreClock } from './store-clock.js'

/**
 * Runs one parameterized statement and returns its rows: all a SQL source needs of a driver.
 * `signal`, when given, cancels the statement at the server once the lookup has given up on it.
 */
export type SqlRunner = (text: string, params: unknown[], signal?: AbortSignal) => Promise<Record<string, unknown>[]>

// Only columns Supabase's own auth.users has, so the same query runs on Supabase's Postgres,
// on any Postgres with that table, and on our DDL subset.
// Epoch milliseconds, not timestamptz: drivers disagree on 'infinity' (Infinity, Invalid Date).
// One row always, user or not: it carries the database's clock (store_now) with every lookup.
const SELECT_USER = `select u.id is not null as found,
    (extract(epoch from u.banned_until) * 1000)::float8 as banned_until, u.deleted_at,
    u.raw_app_meta_data ->> '${REVOKED_AT_KEY}' as sessions_revoked_at, u.raw_app_meta_data -> 'role' as role,
    (extract(epoch from clock_timestamp()) * 1000)::float8 as store_now
  from (select) as one left join auth.users u on u.id = $1::uuid`
const STORE_NOW = 'select (extract(epoch from clock_timestamp()) * 1000)::float8 as store_now'
const READING_TIMEOUT_MS = 2_000
// A number, or the numeric text some drivers give a float8; nothing else (Number(null) is 0, not a time).
const timeOf = (value: unknown) =>
  typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN
const SET_REVOKED_AT = `update auth.users
  set raw_app_meta_data = case when $2::text is null then coalesce(raw_app_meta_data, '{}'::jsonb) - '${REVOKED_AT_KEY}'
      else coalesce(raw_app_meta_data, '{}'::jsonb) || jsonb_build_object('${REVOKED_AT_KEY}', $2::text) end,
    updated_at = now()
  where id = $1::uuid
  returning id`

/** Supabase's `auth.users` table read with one SQL query per lookup, over any driver. */
export function sqlSource(name: string, run: SqlRunner): UserSource & { clock: StoreClock } {
  const clock = new StoreClock(async (c) => {
    const sentAt = StoreClock.local()
    const [row] = await run(STORE_NOW, [], AbortSignal.timeout(READING_TIMEOUT_MS))
    if (row) c.observe(timeOf(row.store_now), sentAt, StoreClock.local())
  })
  return {
    name,
    clock,
    async fetchUser(userId, signal) {
      const sentAt = StoreClock.local()
      const [row] = await run(SELECT_USER, [userId], signal)
      if (row) clock.observe(timeOf(row.store_now), sentAt, StoreClock.local())
      return row?.found ? stateFromAuthUser(row) : null
    },
    async setSessionsRevokedAt(userId, at, signal) {
      const rows = await run(SET_REVOKED_AT, [userId, revokedAtValue(at)], signal)
      if (rows.length === 0) throw new UserNotFoundError()
    },
  }
}
