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
}

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

export const MISSING_USER: UserState = Object.freeze({ exists: false, deleted: false, bannedUntil: null, sessionsRevokedAt: null })
const ACTIVE_USER: UserState = Object.freeze({ exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null })

/**
 * One shared, frozen object for the two states almost every user is in: L1 holds one entry per
 * user, and a state object of its own for each would cost ~56 bytes a user for nothing.
 */
export function interned(state: UserState): UserState {
  if (state.bannedUntil !== null || state.sessionsRevokedAt !== null || state.deleted) return state
  return state.exists ? ACTIVE_USER : MISSING_USER
}

/**
 * The verdict for one session. An `issuedAt` that is absent or not a finite number (a token
 * without `iat`, an invalid Date) is unknown, and a revocation covers it.
 */
export function decide(state: UserState, issuedAt: number | undefined, now: number): Verdict {
  if (!state.exists) return 'missing'
  if (state.deleted) return 'deleted'
  if (state.bannedUntil !== null && state.bannedUntil > now) return 'banned'
  if (state.sessionsRevokedAt !== null && !(issuedAt! >= state.sessionsRevokedAt)) return 'revoked' // NaN/undefined compare false
  return 'active'
}

const isTime = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v))

/** Guards the boundary with user sources: a malformed state must not become a verdict. */
export function isUserState(value: unknown): value is UserState {
  if (typeof value !== 'object' || value === null) return false
  const s = value as Record<string, unknown>
  return typeof s.exists === 'boolean' && typeof s.deleted === 'boolean' && isTime(s.bannedUntil) && isTime(s.sessionsRevokedAt)
}

/** A user who may not get in whatever the session: cached for the shorter, negative TTL. */
export function isNegative(state: UserState, now: number): boolean {
  return !state.exists || state.deleted || (state.bannedUntil !== null && state.bannedUntil > now)
}
