import type { Tier } from './events.js'
import type { Verdict } from './user-state.js'

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

/** What revoke(), restore() and refresh() answer: how far the change got. */
export interface PropagationResult {
  /** `pending`: the shared store or the broadcast failed; retried every second until both succeed. */
  cache: 'updated' | 'pending'
  broadcast: 'sent' | 'failed'
}
