import { clampTime, MAX_ROLE_LENGTH, PERMANENT, type UserState } from '../user-state.js'

/**
 * A row of Supabase's `auth.users` (or the admin API's user object) as far as validation cares:
 * the top-level ban and deletion columns — never user_metadata, which users can edit — and the
 * revocation time we keep in app_metadata, which they cannot.
 */
export interface AuthUserFields {
  banned_until?: string | Date | number | null
  deleted_at?: string | Date | number | null
  sessions_revoked_at?: string | number | null
  /** app_metadata.role; anything but a short string is no role. */
  role?: unknown
}

/** Where the revocation time lives: `raw_app_meta_data` in SQL, `app_metadata` in the admin API. */
export const REVOKED_AT_KEY = 'sessions_revoked_at'

export function stateFromAuthUser(user: AuthUserFields): UserState {
  return {
    exists: true,
    deleted: user.deleted_at !== undefined && user.deleted_at !== null,
    bannedUntil: toTime(user.banned_until, 'banned_until'),
    sessionsRevokedAt: toTime(user.sessions_revoked_at, REVOKED_AT_KEY),
    ...(typeof user.role === 'string' && user.role.length <= MAX_ROLE_LENGTH ? { role: user.role } : {}),
  }
}

/** The stored form of a revocation time: ISO-8601 with milliseconds, readable in the dashboard. */
export function revokedAtValue(at: number | null): string | null {
  return at === null ? null : new Date(at).toISOString()
}

// An unreadable ban must not read as "not banned": throwing makes it a source error (unavailable).
// 'infinity' (a permanent ban written in SQL) is the last representable instant, '-infinity' never.
function toTime(value: string | Date | number | null | undefined, field: string): number | null {
  if (value === undefined || value === null || value === '' || value === -Infinity || value === '-infinity') return null
  if (value === Infinity || value === 'infinity') return PERMANENT
  const time =
    value instanceof Date
      ? value.getTime()
      : typeof value === 'number'
        ? value
        : /^\d+$/.test(value)
          ? Number(value)
          : Date.parse(value)
  if (!Number.isFinite(time)) throw new TypeError(`auth user has an unreadable ${field}: ${JSON.stringify(value)}`)
  return clampTime(time)
}
