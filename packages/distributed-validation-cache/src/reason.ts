import { PERMANENT, type UserState, type Verdict } from './user-state.js'

/** Why a verdict was reached, in words fit for a log line or an API error (never a user id). */
export function explain(verdict: Verdict, state: UserState | undefined): string {
  switch (verdict) {
    case 'active':
      return 'user is active'
    case 'banned':
      return state!.bannedUntil! >= PERMANENT
        ? 'user is banned permanently'
        : `user is banned until ${new Date(state!.bannedUntil!).toISOString()}`
    case 'deleted':
      return 'user was deleted'
    case 'missing':
      return 'no such user in the user source'
    case 'revoked':
      return `session was issued before the user's sessions were revoked at ${iso(state!.sessionsRevokedAt!)}`
    case 'unavailable':
      return 'user source unreachable and no known state within the grace window; retry later'
  }
}

const iso = (time: number) => new Date(time).toISOString()
