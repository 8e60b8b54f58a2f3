import type { Tier } from './events.js'
import { explain } from './reason.js'
import type { CacheEntry } from './tiers/entry.js'
import { decide, type Verdict } from './user-state.js'

/** What validate() answers: what, from where, why, and since when. */
export interface ValidationResult {
  /** True only for `active`: the one thing a caller must check. */
  valid: boolean
  verdict: Verdict
  /** Where the answer came from. */
  tier: Tier
  /** A human-readable why, safe to log (no user id). */
  reason: string
  /** When the user source was last asked about this user (epoch ms), or null. */
  checkedAt: number | null
  /** The user's `app_metadata.role` as cached with the state (null: none, or unknown). */
  role: string | null
}

export interface ValidateOptions {
  /** The session's issue (sign-in) time, epoch ms or a Date; without it any revocation revokes. */
  issuedAt?: number | Date
  /** false for looks that are not requests (an admin page): not counted as validations. */
  record?: boolean
}
export const NO_OPTIONS: ValidateOptions = Object.freeze({})

/** What revoke(), restore() and refresh() answer: how far the change got. */
export interface PropagationResult {
  /** `pending`: the shared store or the broadcast failed; retried every second until both succeed. */
  cache: 'updated' | 'pending'
  broadcast: 'sent' | 'failed'
}

/** The answer for a session issued at `issuedAt`, from the entry a tier gave (none: `unavailable`). */
export function resultOf(
  entry: CacheEntry | undefined,
  tier: Tier,
  issuedAt: number | undefined,
  now: number,
): ValidationResult {
  const verdict = entry ? decide(entry.state, issuedAt, now) : 'unavailable'
  return {
    valid: verdict === 'active',
    verdict,
    tier,
    reason: explain(verdict, entry?.state),
    checkedAt: entry?.checkedAt ?? null,
    role: entry?.state.role ?? null,
  }
}
