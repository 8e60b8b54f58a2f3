import type { AuthConfig } from '@auth/core'
import type { ValidationCache } from '../cache.js'
import type { Verdict } from '../user-state.js'
import { authjsRequest } from './authjs-request.js'
import { claimOf, sessionEnding, signInRefusal } from './session-check.js'

/**
 * The same guard for Auth.js v5 (`next-auth@5`, `@auth/core`): its `jwt` callback may return
 * null, which ends the session and clears the cookie — so an invalid verdict returns null, and
 * `unavailable` keeps the token. Also exposes `session.user.id`.
 */
// `C & …`, not `C extends …`: a constraint of optional fields only would refuse a literal
// `NextAuth(withAuthjsValidation({ providers, trustHost }, cache))` for fields it does not name.
export function withAuthjsValidation<C extends object>(
  config: C & Pick<AuthConfig, 'callbacks' | 'session'>,
  cache: ValidationCache,
): C {
  const { jwt: userJwt, session: userSession, signIn: userSignIn } = config.callbacks ?? {}
  const guarded: Pick<AuthConfig, 'callbacks' | 'session'> = {
    ...config,
    session: { ...config.session, strategy: 'jwt' },
    callbacks: {
      ...config.callbacks,
      async signIn(params) {
        const allowed = userSignIn ? await userSignIn(params) : true
        // The app's own refusal or redirect; and an email provider asking before the user proved anything.
        if (allowed !== true || params.email?.verificationRequest) return allowed
        return !(await signInRefusal(cache, params.user.id)) // false: Auth.js answers AccessDenied
      },
      async jwt(params) {
        const before = params.user ? null : claimOf(params.token) // before the app's callback can touch it
        const token = userJwt ? await userJwt(params) : params.token
        if (!token) return null
        const seen = (result: { verdict: Verdict } | null) => {
          const request = authjsRequest.getStore()
          if (request && result) request.verdict = result.verdict
        }
        return (await sessionEnding(cache, token, before, { seen })) ? null : token
      },
      async session(params) {
        const session = userSession ? await userSession(params as never) : params.session
        const sub = (params as { token?: { sub?: string } }).token?.sub
        if (session.user && sub) Object.assign(session.user, { id: sub })
        return session
      },
    },
  }
  return guarded as C
}
