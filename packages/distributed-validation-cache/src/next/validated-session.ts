import { decode, getToken, type JWT } from 'next-auth/jwt'
import type { ValidationCache, ValidationResult } from '../cache.js'
import { checkSession } from '../next-auth/session-check.js'
import { asNextRequest, sessionCookieName, type SessionCookieOptions } from './session-cookies.js'
import { openVerdict, VERDICT_HEADER } from './verdict-header.js'

export interface SessionReadOptions extends SessionCookieOptions {
  /** NEXTAUTH_SECRET: decodes the session cookie (and the proxy's sealed verdict). */
  secret: string
}

export interface ValidatedSession {
  token: JWT & { sub: string }
  /** The verdict; `forwarded` when it is the proxy's, sealed for this very token. */
  result: ValidationResult
  forwarded: boolean
}

/** The raw session token next-auth would read for this request, and its decoded claims. */
export async function readSessionToken(request: Request | { headers: Headers }, options: SessionReadOptions) {
  const req = asNextRequest(request)
  const cookieName = sessionCookieName(req, options)
  const raw = await getToken({ req, secret: options.secret, cookieName, secureCookie: cookieName.startsWith('__Secure-'), raw: true })
  if (!raw) return null
  const token = await decode({ token: raw, secret: options.secret }).catch(() => null) // garbled, forged, expired
  return token?.sub ? { raw, token: token as JWT & { sub: string } } : null
}

/**
 * The session of a request and its verdict, for route handlers and pages behind the proxy: the
 * proxy's verdict when it was sealed for the token read here (no second validation), otherwise
 * validated now. Null when the request has no session. Works with a Request or `{ headers }`.
 */
export async function validatedSession(request: Request | { headers: Headers }, cache: ValidationCache, options: SessionReadOptions): Promise<ValidatedSession | null> {
  const session = await readSessionToken(request, options)
  if (!session) return null
  const sealed = openVerdict(options.secret, request.headers.get(VERDICT_HEADER), session.token.sub, session.raw)
  if (sealed) return { token: session.token, result: sealed, forwarded: true }
  const result = await checkSession(cache, session.token)
  return result && { token: session.token, result, forwarded: false }
}
