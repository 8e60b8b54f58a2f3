import { getToken } from 'next-auth/jwt'
import { NextResponse, type NextRequest } from 'next/server'
import type { ValidationCache } from '../cache.js'
import { checkSession } from '../next-auth/session-check.js'
import { clearSessionCookies } from './session-cookies.js'

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
 * Node runtime; on the Edge runtime only the Upstash store works (no TCP sockets there).
 */
export function validationProxy(options: ValidationProxyOptions) {
  const isApi = options.isApi ?? ((request: NextRequest) => request.nextUrl.pathname.startsWith('/api/'))
  return async function proxy(request: NextRequest): Promise<NextResponse> {
    const token = await getToken({ req: request, secret: options.secret }) // garbled, forged or expired → null
    if (!token?.sub) return NextResponse.next()
    const cache = typeof options.cache === 'function' ? await options.cache() : options.cache
    const result = await checkSession(cache, token)
    if (!result || result.valid) return NextResponse.next()
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
