import { NextResponse, type NextRequest } from 'next/server'
import type { ValidationCache, ValidationResult } from '../cache.js'
import { checkSession } from '../next-auth/session-check.js'
import { clearSessionCookies, onlySessionCookie, sessionCookieName } from './session-cookies.js'
import { readSessionToken, type SessionReadOptions } from './validated-session.js'
import { sealVerdict, VERDICT_HEADER } from './verdict-header.js'
import { type Lazy, resolveLazy } from './lazy.js'
import { unavailableResponse } from './unavailable-response.js'

export { VERDICT_HEADER }

export interface ValidationProxyOptions extends SessionReadOptions {
  /** The cache, or a function returning it (e.g. a lazily created process singleton). */
  cache: Lazy<ValidationCache>
  /** Where an ended session lands. Default "/login". */
  loginPath?: string
  /** Requests answered with JSON instead of a redirect. Default: paths under /api/. */
  isApi?: (request: NextRequest) => boolean
}

/**
 * A Next 16 `proxy.ts` handler enforcing the verdict on every matched request. Pages: an ended
 * session redirects to the login page with its cookie cleared. APIs: 401
 * `{"error":"session_invalid","reason":<verdict>}`. `unavailable`: 503, cookie kept. Requests
 * without a (decodable) session pass through: pages decide who may see them.
 * It validates the one cookie next-auth would read and forwards only that one, with the verdict
 * sealed to it (`validatedSession()` reads it back). next-auth v4 cookies; Node runtime.
 */
export function validationProxy(options: ValidationProxyOptions) {
  const isApi = options.isApi ?? ((request: NextRequest) => request.nextUrl.pathname.startsWith('/api/'))
  return async function proxy(request: NextRequest): Promise<NextResponse> {
    const session = await readSessionToken(request, options)
    if (!session) return forward(request, options, null)
    const cache = await resolveLazy(options.cache)
    const result = (await checkSession(cache, session.token))!
    if (result.valid)
      return forward(request, options, await sealVerdict(options.secret, result, session.token.sub, session.raw))
    return refusal(request, result, isApi(request), options.loginPath ?? '/login')
  }
}

/** On to the app, with only the validated session cookie and the verdict sealed to it (or none). */
function forward(request: NextRequest, options: SessionReadOptions, verdict: string | null): NextResponse {
  const headers = new Headers(request.headers)
  if (verdict) headers.set(VERDICT_HEADER, verdict)
  else headers.delete(VERDICT_HEADER) // a client cannot supply it
  headers.set('cookie', onlySessionCookie(request, sessionCookieName(request, options)))
  return NextResponse.next({ request: { headers } })
}

function refusal(request: NextRequest, result: ValidationResult, api: boolean, loginPath: string): NextResponse {
  if (result.verdict === 'unavailable') return unavailableResponse(api, result.reason)
  const response = api
    ? NextResponse.json({ error: 'session_invalid', reason: result.verdict }, { status: 401 })
    : NextResponse.redirect(new URL(loginPath, request.url))
  clearSessionCookies(request, response)
  return response
}
