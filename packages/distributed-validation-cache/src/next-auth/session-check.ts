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
  constructor(
    readonly verdict: string,
    reason: string,
  ) {
    super(`session ended: ${verdict} (${reason})`)
  }
}

export interface TokenLike {
  sub?: string | null
  [SIGNED_IN_AT]?: unknown
}

/**
 * Validates the user behind a decoded session token. `unavailable` is returned, not thrown:
 * a user-source blip must never end sessions. A token whose subject is not a valid user id is
 * as invalid as a banned user's.
 */
export async function checkSession(
  cache: ValidationCache,
  token: TokenLike,
  { record = true } = {},
): Promise<ValidationResult | null> {
  if (!token.sub) return null
  const signedInAt = token[SIGNED_IN_AT]
  try {
    return await cache.validate(token.sub, {
      issuedAt: typeof signedInAt === 'number' ? signedInAt : undefined,
      record,
    })
  } catch (error) {
    if (error instanceof InvalidUserIdError) return refusal(error.message)
    throw error
  }
}

/** What the signed token said before any app code saw it: whose session, and since when. */
export interface SessionClaim {
  sub: string | null | undefined
  signedInAt: unknown
}

/**
 * Read before the app's jwt callback runs: next-auth passes the decoded token object itself, and
 * a callback that merges update() data into it (`Object.assign(token, session)`) would otherwise
 * let a client write the claim a revocation compares with.
 */
export function claimOf(token: TokenLike): SessionClaim {
  return { sub: token.sub, signedInAt: token[SIGNED_IN_AT] }
}

/**
 * What both jwt wrappers (next-auth v4, Auth.js v5) do with the token the app's callback
 * returned. `before` is the claim of the signed token (null while signing in). Stamps our
 * sign-in claim — ours whatever that callback did: dropped, every past revocation would become
 * permanent; taken from update() data, revocation would be defeated — then validates. A subject
 * that changed outside sign-in (update() data merged into the token) ends the session: it was
 * never validated as that user. Returns the verdict that ends the session, or null to keep it
 * (valid, no user, or `unavailable`: a user-source blip never ends sessions). `seen` is told every
 * verdict, kept or not. `counted`: the proxy has validated this very token for this request
 * (`proxyVerdict`): the check here is not counted again — an L1 hit, no command — yet still sees
 * any change heard since the proxy's.
 */
export async function sessionEnding(
  cache: ValidationCache,
  token: TokenLike,
  before: SessionClaim | null,
  { counted = false, seen }: { counted?: boolean; seen?: (result: ValidationResult | null) => void } = {},
): Promise<ValidationResult | null> {
  token[SIGNED_IN_AT] = before ? before.signedInAt : await cache.signInTime() // the store's clock, as revoke()'s
  if (before && (token.sub ?? null) !== (before.sub ?? null)) {
    return refusal("the session's subject changed outside sign-in")
  }
  const result = await checkSession(cache, token, { record: !(before && counted) })
  seen?.(result)
  return result && !result.valid && result.verdict !== 'unavailable' ? result : null
}

/**
 * The verdict that refuses a sign-in, or null to let it go on; a user refused here gets a clean
 * AccessDenied from the signIn callback. The user source has just spoken (authorize read the
 * row), so a refusal from the cache is checked again at the source — and the fleet told — before
 * it stands: a ban lifted in the store without a webhook must not refuse the new session on any
 * instance. Only a refusal costs that re-read, so sign-ins cannot be used to flood the source.
 */
export async function signInRefusal(cache: ValidationCache, userId: unknown): Promise<ValidationResult | null> {
  const sub = typeof userId === 'string' ? userId : null
  const check = () => checkSession(cache, { sub, [SIGNED_IN_AT]: cache.now() })
  let result = await check()
  if (!result) return refusal('the signed-in user has no id')
  if (!result.valid && result.verdict !== 'unavailable' && result.tier !== 'none') {
    await cache.refresh(sub!) // tier none: an invalid id, which refresh() would reject too
    result = (await check())!
  }
  return !result.valid && result.verdict !== 'unavailable' ? result : null
}

/** A session that ends before any lookup: it names no valid user. */
function refusal(reason: string): ValidationResult {
  return { valid: false, verdict: 'missing', tier: 'none', reason, checkedAt: null, role: null }
}
