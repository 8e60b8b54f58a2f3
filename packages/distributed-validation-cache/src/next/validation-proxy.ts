import { getToken } from 'next-auth/jwt'
import { NextResponse, type NextRequest } from 'next/server'
import type { ValidationCache } from '../cache.js'
import { checkSession } from '../next-auth/session-check.js'
import { clearSessionCookies } from './session-cookies.js'

/**
 * The request header carrying the proxy's verdict to pages and routes, so they need not validate
 * again (each validation counts). Always overwritten or removed: a client cannot supply it.
 */
export const VERDICT_HEADER = 'x-dvc-verdict'

function forward(request: NextRequest, verdict: string | null): NextResponse {
  const headers = new Headers(request.headers)
  if (verdict) headers.set(VERDICT_HEADER, verdict)
  else headers.delete(VERDICT_HEADER)
  return NextResponse.next({ request: { headers } })
}

export interface ValidationProxyOptions {
  /** The cache, or a function returning it (e.g. a lazily created process singleton). */
  cache: ValidationCache | (() => ValidationCache | Promise<ValidationCache>)
  /** NEXTAUTH_SECRET: decodes the session cookie. */
  secret: string
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
 * next-auth v4 session cookies; Node runtime only (it signs with node:crypto).
 */
export function validationProxy(options: ValidationProxyOptions) {
  const isApi = options.isApi ?? ((request: NextRequest) => request.nextUrl.pathname.startsWith('/api/'))
  return async function proxy(request: NextRequest): Promise<NextResponse> {
    // next-auth picks __Secure- only when NEXTAUTH_URL is https: try both names, or an https
    // deployment without NEXTAUTH_URL would find no cookie and let everyone through.
    const token = (await getToken({ req: request, secret: options.secret, secureCookie: false })) ??
      (await getToken({ req: request, secret: options.secret, secureCookie: true })) // garbled, forged or expired → null
    if (!token?.sub) return forward(request, null)
    const cache = typeof options.cache === 'function' ? await options.cache() : options.cache
    const result = await checkSession(cache, token)
    if (!result || result.valid) return forward(request, result?.verdict ?? null)
    const api = isApi(request)
    if (result.verdict === 'unavailable') {
      return api
        ? NextResponse.json({ error: 'unavailable', reason: result.reason }, { status: 503, headers: { 'retry-after': '5' } })
        : new NextResponse('The user store is unreachable; please retry in a few seconds.', { status: 503, headers: { 'retry-after': '5' } })
    }
    const response = api
      ? NextResponse.json({ error: 'session_invalid', reason: result.verdict }, { status: 401 })
      : NextResponse.redirect(new URL(options.loginPath ?? '/login', request.url))
    clearSessionCookies(request, response)
    return response
  }
}
