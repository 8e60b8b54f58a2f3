import type { AuthOptions, DefaultSession } from 'next-auth'
import type { ValidationCache } from '../cache.js'
import { type Lazy, resolveLazy } from '../next/lazy.js'
import { proxyVerdict } from './proxy-verdict.js'
import { claimOf, SessionInvalidError, SIGNED_IN_AT, sessionEnding, signInRefusal } from './session-check.js'

// What the wrapper adds to every session, in the types too (no cast in the app): the user's id.
// An app adds its own fields by augmenting SessionUser (`interface SessionUser { role?: string }`).
declare module 'next-auth' {
  interface SessionUser {
    id: string
  }
  interface Session {
    user?: DefaultSession['user'] & SessionUser
  }
}

/**
 * Wraps next-auth v4 options so every session read re-validates the user through the cache.
 * An invalid verdict throws inside `jwt`, which makes next-auth clear the session cookie and
 * answer `{}`; `unavailable` keeps the session (the proxy answers 503 meanwhile). The session
 * exposes `user.id`. JWT sessions only: database sessions are checked by their adapter. `cache`
 * may be a function giving it, so the options are a plain constant built at import: the cache is
 * then built on the first session read, never during `next build`.
 */
export function withValidation(authOptions: AuthOptions, cache: Lazy<ValidationCache>): AuthOptions {
  const { jwt: userJwt, session: userSession, signIn: userSignIn } = authOptions.callbacks ?? {}
  const logger = authOptions.logger ?? {}
  return {
    ...authOptions,
    session: { ...authOptions.session, strategy: 'jwt' },
    callbacks: {
      ...authOptions.callbacks,
      async signIn(params) {
        const allowed = userSignIn ? await userSignIn(params) : true
        // The app's own refusal or redirect; and an email provider asking before the user proved anything.
        if (allowed !== true || params.email?.verificationRequest) return allowed
        return !(await signInRefusal(await resolveLazy(cache), params.user.id)) // false: next-auth answers AccessDenied
      },
      async jwt(params) {
        const before = params.user ? null : claimOf(params.token) // before the app's callback can touch it
        const token = userJwt ? await userJwt(params) : params.token
        const counted = before !== null && (await proxyVerdict(authOptions, before.sub)) !== null
        const ended = await sessionEnding(await resolveLazy(cache), token, before, { counted })
        // next-auth v4 clears the cookie on a throw — but at sign-in a throw is a 500, and signIn
        // has just refused whoever must not get in: a lookup racing a ban ends on the next request.
        if (ended && before) throw new SessionInvalidError(ended.verdict, ended.reason)
        if (ended) token[SIGNED_IN_AT] = 0 // so the revocation that comes with a ban covers this session too
        return token
      },
      async session(params) {
        const session = userSession ? await userSession(params) : params.session
        if (session.user && params.token?.sub) Object.assign(session.user, { id: params.token.sub })
        return session
      },
    },
    logger: {
      ...logger,
      // An ended session is expected, not an error: one line instead of next-auth's stack trace.
      error(code, metadata) {
        const cause = (metadata as { error?: unknown } | undefined)?.error ?? metadata
        if (cause instanceof SessionInvalidError) return console.warn(`[distributed-validation-cache] ${cause.message}`)
        // A cookie that does not decrypt (garbled, forged, another secret) is just no session.
        if (code === 'JWT_SESSION_ERROR')
          return console.warn(`[next-auth] unreadable session cookie ignored: ${(cause as Error)?.message ?? cause}`)
        if (logger.error) return logger.error(code, metadata)
        console.error(`[next-auth][error][${code}]`, metadata)
      },
    },
  }
}
