/**
 * What the cache stores about a user: a description, not a verdict. The verdict is computed at
 * validation time, because it depends on the clock (a ban ends) and on the session (its issue time).
 */
export interface UserState {
  exists: boolean
  deleted: boolean
  /** Epoch ms; a ban is in force only while this is in the future. */
  bannedUntil: number | null
  /** Epoch ms; sessions issued before this are revoked. */
  sessionsRevokedAt: number | null
  /**
   * `app_metadata.role` (raw_app_meta_data in SQL), the place for roles users cannot edit.
   * Cached and broadcast like a ban, so a demotion reaches every instance as fast. Absent: none.
   */
  role?: string | null
}

/** Longest role kept: a role is a name, and the cache signs and stores it for every user. */
export const MAX_ROLE_LENGTH = 64

/**
 * The last instant a Date can hold (±8.64e15 ms). A permanent ban (`banned_until = 'infinity'`)
 * is this; every time entering the cache is clamped to it, or formatting the reason would throw.
 */
export const PERMANENT = 8.64e15

/** A time from a user source, within what a Date can represent. */
export function clampTime(time: number | null): number | null {
  return time === null ? null : Math.max(-PERMANENT, Math.min(PERMANENT, time))
}

export type Verdict = 'active' | 'banned' | 'deleted' | 'missing' | 'revoked' | 'unavailable'
export const VERDICTS = [
  'active',
  'banned',
  'deleted',
  'missing',
  'revoked',
  'unavailable',
] as const satisfies readonly Verdict[]

/** Active for every session and at every time: no ban on record, no revocation. */
export const isAlwaysActive = (state: UserState): boolean =>
  state.exists && !state.deleted && state.bannedUntil === null && state.sessionsRevokedAt === null

export const MISSING_USER: UserState = Object.freeze({
  exists: false,
  deleted: false,
  bannedUntil: null,
  sessionsRevokedAt: null,
})
const ACTIVE_USER: UserState = Object.freeze({
  exists: true,
  deleted: false,
  bannedUntil: null,
  sessionsRevokedAt: null,
})

const ACTIVE_WITH_ROLE = new Map<string, UserState>()
const MAX_INTERNED_ROLES = 32 // apps have a handful; beyond it states are simply not shared

/**
 * One shared, frozen object for the states almost every user is in (active with no role or a
 * common one, missing): L1 holds one entry per user, and a state object of its own for each
 * would cost ~56 bytes a user for nothing.
 */
export function interned(state: UserState): UserState {
  if (state.bannedUntil !== null || state.sessionsRevokedAt !== null || state.deleted) return state
  if (!state.exists) return MISSING_USER
  const role = state.role ?? null
  if (role === null) return ACTIVE_USER
  let shared = ACTIVE_WITH_ROLE.get(role)
  if (!shared && ACTIVE_WITH_ROLE.size < MAX_INTERNED_ROLES)
    ACTIVE_WITH_ROLE.set(role, (shared = Object.freeze({ ...ACTIVE_USER, role })))
  return shared ?? state
}

/**
 * The verdict for one session. An `issuedAt` that is absent or not a finite number (a token
 * without `iat`, an invalid Date) is unknown, and a revocation covers it.
 */
export function decide(state: UserState, issuedAt: number | undefined, now: number): Verdict {
  if (!state.exists) return 'missing'
  if (state.deleted) return 'deleted'
  if (state.bannedUntil !== null && state.bannedUntil > now) return 'banned'
  // NaN and undefined compare false: an unknown issue time counts as revoked.
  if (state.sessionsRevokedAt !== null && !(issuedAt! >= state.sessionsRevokedAt)) return 'revoked'
  return 'active'
}

const isTime = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v))

/** Guards the boundary with user sources: a malformed state must not become a verdict. */
export function isUserState(value: unknown): value is UserState {
  if (typeof value !== 'object' || value === null) return false
  const s = value as Record<string, unknown>
  const role =
    s.role === undefined || s.role === null || (typeof s.role === 'string' && s.role.length <= MAX_ROLE_LENGTH)
  return (
    typeof s.exists === 'boolean' &&
    typeof s.deleted === 'boolean' &&
    isTime(s.bannedUntil) &&
    isTime(s.sessionsRevokedAt) &&
    role
  )
}

/** A user who may not get in whatever the session: cached for the shorter, negative TTL. */
export function isNegative(state: UserState, now: number): boolean {
  return !state.exists || state.deleted || (state.bannedUntil !== null && state.bannedUntil > now)
}
