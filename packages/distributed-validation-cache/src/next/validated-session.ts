import { decode, getToken, type JWT } from 'next-auth/jwt'
import type { ValidationCache, ValidationResult } from '../cache.js'
import { ConfigError } from '../errors.js'
import { checkSession } from '../next-auth/session-check.js'
import { asNextRequest, sessionCookieName, type SessionCookieOptions } from './session-cookies.js'
import { openVerdict, VERDICT_HEADER } from './verdict-header.js'
import { textFromBase64Url } from '../crypto/base64url.js'
import { atRequestTime, type Lazy, resolveLazy } from './lazy.js'

export interface SessionReadOptions extends SessionCookieOptions {
  /** NEXTAUTH_SECRET: decodes the session cookie (and the proxy's sealed verdict). */
  secret: string
}

export interface ValidatedSessionOptions extends SessionReadOptions {
  /**
   * Ignore the proxy's seal: the check here counts as a validation of its own. Every call checks
   * the user again anyway (a sealed one uncounted); for state-changing actions, whose body may
   * arrive long after the headers were sealed, the count then says the action was checked.
   */
  fresh?: boolean
}

export interface ValidatedSession {
  token: JWT & { sub: string }
  /** The verdict now; `forwarded` when the proxy sealed one for this very token (not counted again). */
  result: ValidationResult
  forwarded: boolean
}

/** The raw session token next-auth would read for this request, and its decoded claims. */
export async function readSessionToken(request: Request | { headers: Headers }, options: SessionReadOptions) {
  // next-auth would decode with whatever it is given; a missing secret is a deployment error, said plainly.
  if (!options.secret)
    throw new ConfigError([{ variable: 'secret', message: 'is empty: pass NEXTAUTH_SECRET (or AUTH_SECRET)' }])
  const raw = await rawSessionToken(request, options)
  if (!raw || !isNextAuthJwe(raw)) return null
  const token = await decode({ token: raw, secret: options.secret }).catch(() => null) // garbled, forged, expired
  return token?.sub ? { raw, token: token as JWT & { sub: string } } : null
}

/**
 * The proxy's verdict, if it sealed one for the session cookie this request carries and the
 * subject `sub`; else null. Reads the raw cookie only: no decoding, no validation.
 */
export async function forwardedVerdict(
  request: Request | { headers: Headers },
  options: SessionReadOptions,
  sub: string,
): Promise<ValidationResult | null> {
  const sealed = request.headers.get(VERDICT_HEADER)
  const raw = sealed ? await rawSessionToken(request, options) : null
  return raw ? await openVerdict(options.secret, sealed, sub, raw) : null
}

// The session cookie next-auth would read, chunks joined: the one cookie a verdict may be about.
async function rawSessionToken(request: Request | { headers: Headers }, options: SessionReadOptions) {
  const req = asNextRequest(request)
  const cookieName = sessionCookieName(req, options)
  return getToken({
    req,
    secret: options.secret,
    cookieName,
    secureCookie: cookieName.startsWith('__Secure-'),
    raw: true,
  })
}

/**
 * The session of a request and its verdict, for route handlers and pages behind the proxy: the
 * proxy's verdict when it was sealed for the token read here (no second validation), otherwise
 * validated now. Null when the request has no session. Works with a Request or `{ headers }`.
 */
export async function validatedSession(
  request: Request | { headers: Headers },
  cache: Lazy<ValidationCache>,
  options: ValidatedSessionOptions,
): Promise<ValidatedSession | null> {
  await atRequestTime() // never during next build: see atRequestTime
  const session = await readSessionToken(request, options)
  if (!session) return null
  const sealed = options.fresh
    ? null
    : await openVerdict(options.secret, request.headers.get(VERDICT_HEADER), session.token.sub, session.raw)
  // Sealed: the proxy counted this request. Checked again all the same, uncounted (an L1 hit, no
  // command): a ban heard since the proxy's check must not wait out the seal.
  const result = await checkSession(await resolveLazy(cache), session.token, { record: !sealed })
  return result && { token: session.token, result, forwarded: sealed !== null }
}

/**
 * next-auth v4 only ever writes `{"alg":"dir","enc":"A256GCM"}` JWEs, but its decode() accepts
 * what jose allows — PBES2 with thousands of key-derivation rounds among them, costing the server
 * ~10× a junk cookie's CPU without any secret. Anything else is no session, before decoding.
 */
export function isNextAuthJwe(raw: string): boolean {
  const dot = raw.indexOf('.')
  if (dot <= 0 || dot > 200) return false
  try {
    const header = JSON.parse(textFromBase64Url(raw.slice(0, dot)) ?? 'null') as Record<string, unknown> | null
    return header?.alg === 'dir' && header.enc === 'A256GCM' && Object.keys(header).length === 2
  } catch {
    return false
  }
}
