import { authjsRequest } from '../next-auth/authjs-request.js'
import { NextResponse, type NextFetchEvent, type NextMiddleware, type NextRequest } from 'next/server'
import { unavailableResponse } from './unavailable-response.js'

/**
 * next-auth v5's `auth` used as a wrapper: `auth((request) => …)`, `request.auth` the session or
 * null. With a lazy config (`NextAuth(async () => config)`) it gives a promise of the middleware,
 * whatever its types say.
 */
type AuthWrapper = (
  handler: (request: NextRequest & { auth: unknown }, event: NextFetchEvent) => ReturnType<NextMiddleware>,
) => NextMiddleware | Promise<NextMiddleware>

export interface AuthjsProxyOptions {
  /** Where an ended session lands. Default "/login". */
  loginPath?: string
  /** Requests answered with JSON instead of a redirect. Default: paths under /api/. */
  isApi?: (request: NextRequest) => boolean
}

// Auth.js v5's session cookie names (chunks `.0`, `.1`, … included), over http and https.
const isSessionCookie = (name: string) => /^(__Secure-)?authjs\.session-token(\.\d+)?$/.test(name)

/**
 * A Next 16 `proxy.ts` for Auth.js v5 (`next-auth@beta`): `export const proxy = authjsProxy(auth)`.
 * `auth()` runs the jwt callback, where `withAuthjsValidation` validates; a request that brought a
 * session cookie but got no session had it ended there, and Auth.js has already added the
 * cookie's removal to the response. APIs then get 401 `{"error":"session_invalid"}`, pages a
 * redirect to the login page. Requests without a session pass: pages decide who may see them.
 * `unavailable` keeps the session (a user-source blip never ends one) but is not served: 503
 * with retry-after, cookie kept, as validationProxy answers for next-auth v4.
 */
export function authjsProxy(auth: AuthWrapper, options: AuthjsProxyOptions = {}): NextMiddleware {
  const isApi = options.isApi ?? ((request: NextRequest) => request.nextUrl.pathname.startsWith('/api/'))
  let middleware: Promise<NextMiddleware> | undefined
  return async (request, event) => {
    middleware ??= Promise.resolve(
      auth((authed) => {
        if (authjsRequest.getStore()?.verdict === 'unavailable')
          return unavailableResponse(isApi(authed), 'the user source is unreachable')
        if (authed.auth || !authed.cookies.getAll().some(({ name }) => isSessionCookie(name))) return undefined
        if (isApi(authed))
          return NextResponse.json({ error: 'session_invalid', reason: 'the session ended' }, { status: 401 })
        return NextResponse.redirect(new URL(options.loginPath ?? '/login', authed.url))
      }),
    ).catch((error: unknown) => {
      middleware = undefined // a lazy config that failed (a bad env) is tried again on the next request
      throw error
    })
    const pending = middleware
    // The jwt callback runs inside: withAuthjsValidation tells this request its verdict.
    return authjsRequest.run({}, async () => (await pending)(request, event))
  }
}
