import type { SupabaseClient } from '@supabase/supabase-js'
import { UserNotFoundError } from '../errors.js'
import { REVOKED_AT_KEY } from '../sources/auth-user.js'
import type { SqlRunner } from '../sources/sql-source.js'
import { PERMANENT } from '../user-state.js'

/**
 * Admin changes to users, written to the user source — the source of truth — before the cache
 * hears of them. One implementation per store; the route handlers do not care which.
 */
export interface UserAdmin {
  ban(userId: string, until: Date): Promise<void>
  unban(userId: string): Promise<void>
  /** Soft delete: the row stays, with deleted_at set. */
  softDelete(userId: string): Promise<void>
  /** Undo a soft delete. Supabase cannot: its soft delete anonymizes the user for good. */
  undelete(userId: string): Promise<void>
  /** Sets (or, with null, removes) app_metadata.role; the caller then refreshes the cache. */
  setRole(userId: string, role: string | null): Promise<void>
  list(): Promise<AdminUserView[]>
  /** raw_app_meta_data.role, read from the store now: a role removed there stops working at once. */
  roleOf(userId: string): Promise<string | null>
}

export interface AdminUserView {
  id: string
  email: string | null
  role: string | null
  /** ISO-8601, or 'infinity' for a permanent ban. */
  bannedUntil: string | null
  deletedAt: string | null
  sessionsRevokedAt: string | null
}

export { UserNotFoundError }

export class UnsupportedAdminActionError extends Error {
  override name = 'UnsupportedAdminActionError'
}

export function sqlUserAdmin(run: SqlRunner): UserAdmin {
  const update = async (userId: string, assignment: string, params: unknown[] = []) => {
    const rows = await run(`update auth.users set ${assignment}, updated_at = now() where id = $1::uuid returning id`, [
      userId,
      ...params,
    ])
    if (rows.length === 0) throw new UserNotFoundError()
  }
  return {
    ban: (userId, until) => update(userId, 'banned_until = $2::timestamptz', [until.toISOString()]),
    unban: (userId) => update(userId, 'banned_until = null'),
    softDelete: (userId) => update(userId, 'deleted_at = now()'),
    undelete: (userId) => update(userId, 'deleted_at = null'),
    setRole: (userId, role) =>
      update(
        userId,
        `raw_app_meta_data = case when $2::text is null then coalesce(raw_app_meta_data, '{}'::jsonb) - 'role'
      else coalesce(raw_app_meta_data, '{}'::jsonb) || jsonb_build_object('role', $2::text) end`,
        [role],
      ),
    async roleOf(userId) {
      const [row] = await run(
        `select raw_app_meta_data ->> 'role' as role from auth.users where id = $1::uuid and deleted_at is null`,
        [userId],
      )
      return (row?.role as string | null | undefined) ?? null
    },
    async list() {
      // Epoch ms, as the source reads them: drivers disagree on 'infinity' (Infinity, Invalid Date).
      const rows = await run(
        `select id, email, raw_app_meta_data ->> 'role' as role,
        (extract(epoch from banned_until) * 1000)::float8 as banned_until,
        (extract(epoch from deleted_at) * 1000)::float8 as deleted_at,
        raw_app_meta_data ->> '${REVOKED_AT_KEY}' as sessions_revoked_at from auth.users order by email limit 200`,
        [],
      )
      return rows.map((r) => ({
        id: String(r.id),
        email: (r.email as string | null) ?? null,
        role: (r.role as string | null) ?? null,
        bannedUntil: iso(r.banned_until),
        deletedAt: iso(r.deleted_at),
        sessionsRevokedAt: (r.sessions_revoked_at as string | null) ?? null,
      }))
    },
  }
}

/**
 * `clock`: the Auth server's, as the Supabase source reads it (`source.clock`): a ban's end is
 * turned into GoTrue's duration on it, not on this instance's clock.
 */
export function supabaseUserAdmin(client: SupabaseClient, clock: { now(): number } = Date): UserAdmin {
  const check = ({ error }: { error: { status?: number; code?: string } | null }) => {
    if (error?.status === 404) throw new UserNotFoundError()
    if (error) throw error
  }
  return {
    // GoTrue takes a duration, not an end time.
    ban: async (userId, until) =>
      check(
        await client.auth.admin.updateUserById(userId, {
          ban_duration: `${Math.max(1, Math.ceil((until.getTime() - clock.now()) / 1000))}s`,
        }),
      ),
    unban: async (userId) => check(await client.auth.admin.updateUserById(userId, { ban_duration: 'none' })),
    softDelete: async (userId) => check(await client.auth.admin.deleteUser(userId, true)),
    // GoTrue merges app_metadata key by key; a null role is no role.
    setRole: async (userId, role) => check(await client.auth.admin.updateUserById(userId, { app_metadata: { role } })),
    undelete: async () => {
      throw new UnsupportedAdminActionError(
        'Supabase cannot undelete a soft-deleted user (its soft delete anonymizes the account)',
      )
    },
    async roleOf(userId) {
      const { data, error } = await client.auth.admin.getUserById(userId)
      if (error) return null
      return (data.user.app_metadata?.role as string | undefined) ?? null
    },
    async list() {
      const { data, error } = await client.auth.admin.listUsers({ perPage: 200 })
      if (error) throw error
      return data.users.map((u) => {
        const user = u as typeof u & { banned_until?: string; deleted_at?: string }
        return {
          id: u.id,
          email: u.email ?? null,
          role: (u.app_metadata?.role as string | undefined) ?? null,
          bannedUntil: user.banned_until ?? null,
          deletedAt: user.deleted_at ?? null,
          sessionsRevokedAt: (u.app_metadata?.[REVOKED_AT_KEY] as string | undefined) ?? null,
        }
      })
    },
  }
}

/** An epoch-ms column as ISO-8601, or Postgres's own word for ±infinity: never a RangeError. */
function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null
  const time = Number(value)
  if (Math.abs(time) > PERMANENT) return time > 0 ? 'infinity' : '-infinity'
  return new Date(time).toISOString()
}
