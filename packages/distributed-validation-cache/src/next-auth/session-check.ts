import type { ValidationCache, ValidationResult } from '../cache.js'
import { InvalidUserIdError, ValidationCacheError } from '../errors.js'

/**
 * The claim holding when the user signed in, in epoch ms. Not the JWT's `iat`: next-auth
 * re-signs the token on every session read, refreshing `iat`, and has only whole seconds.
 */
export const SIGNED_IN_AT = 'dvc_signed_in_at'

/** The session's user is no longer allowed in; `verdict` says why. Thrown to end the session. */
export class SessionInvalidError extends ValidationCacheError {
  override name = 'SessionInvalidError'
  static override readonly code: string = 'SessionInvalidError'
  constructor(readonly verdict: string, reason: string) {
    super(`session ended: ${verdict} (${reason})`)
  }
}

export interface TokenLike {
  sub?: string | null
  [SIGNED_IN_AT]?: unknown
}

/**
 * Validates the user behind a decoded session token. `unavailable` is returned, not thrown:
 * a user-store blip must never end sessions. A token whose subject is not a valid user id is
 * as invalid as a banned user's.
 */
export async function checkSession(cache: ValidationCache, token: TokenLike): Promise<ValidationResult | null> {
  if (!token.sub) return null
  const signedInAt = token[SIGNED_IN_AT]
  try {
    return await cache.validate(token.sub, { issuedAt: typeof signedInAt === 'number' ? signedInAt : undefined })
  } catch (error) {
    if (error instanceof InvalidUserIdError) return { valid: false, verdict: 'missing', tier: 'none', reason: error.message, checkedAt: null }
    throw error
  }
}

/**
 * What both jwt wrappers (next-auth v4, Auth.js v5) do with the token the app's callback
 * returned: stamp our sign-in claim — ours whatever that callback did (dropped, every past
 * revocation would become permanent; copied from a client's update(), revocation would be
 * defeated) — then validate. Returns the verdict that ends the session, or null to keep it
 * (valid, no user, or `unavailable`: a user-store blip never ends sessions).
 */
export async function sessionEnding(cache: ValidationCache, token: TokenLike, previous: TokenLike, signingIn: boolean): Promise<ValidationResult | null> {
  token[SIGNED_IN_AT] = signingIn ? Date.now() : previous[SIGNED_IN_AT]
  const result = await checkSession(cache, token)
  return result && !result.valid && result.verdict !== 'unavailable' ? result : null
}
