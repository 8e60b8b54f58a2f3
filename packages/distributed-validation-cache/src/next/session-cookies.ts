import { NextRequest, type NextResponse } from 'next/server'

const PLAIN = 'next-auth.session-token'
const SECURE = `__Secure-${PLAIN}`
/** Every cookie next-auth v4 would read as (a chunk of) a session under either name. */
const isSessionCookie = (name: string) => name.startsWith(PLAIN) || name.startsWith(SECURE)

export interface SessionCookieOptions {
  /** `authOptions.cookies.sessionToken.name`, when the app renamed it. */
  cookieName?: string
  /** `authOptions.useSecureCookies`, when the app set it. */
  secureCookie?: boolean
}

/**
 * The session cookie name next-auth's own handler uses for this request (`core/init.js`):
 * `__Secure-` when its origin is https — NEXTAUTH_URL, or on Vercel (or AUTH_TRUST_HOST) the
 * forwarded scheme. The one cookie validated is the one next-auth reads; never "the first found".
 */
export function sessionCookieName(request: { headers: Headers }, options: SessionCookieOptions = {}): string {
  if (options.cookieName) return options.cookieName
  return (options.secureCookie ?? isHttps(origin(request.headers))) ? SECURE : PLAIN
}

// Mirrors next-auth's detectOrigin(), truthiness tests and `??` included.
function origin(headers: Headers): string {
  if (process.env.NEXTAUTH_URL) return process.env.NEXTAUTH_URL
  if (process.env.VERCEL ?? process.env.AUTH_TRUST_HOST)
    return headers.get('x-forwarded-proto') === 'http' ? 'http://x' : 'https://x'
  return 'http://localhost:3000'
}

// Mirrors next-auth's parseUrl(): a URL not starting with "http" gets https:// put before it
// (so "HTTPS://app" is https there too), and the scheme is read as `new URL` reads it.
function isHttps(url: string): boolean {
  try {
    return new URL(url.startsWith('http') ? url : `https://${url}`).protocol === 'https:'
  } catch {
    return false // next-auth would throw on it as well: no session cookie is read either way
  }
}

/**
 * The request's cookies with every session cookie but `name` (and its chunks) removed: whatever
 * reads a session downstream — getToken() with either name, getServerSession() — finds the token
 * that was validated, or none; never another user's.
 */
export function onlySessionCookie(request: NextRequest, name: string): string {
  return request.cookies
    .getAll()
    .filter((cookie) => !isSessionCookie(cookie.name) || cookie.name.startsWith(name))
    .map((cookie) => `${cookie.name}=${encodeURIComponent(cookie.value)}`)
    .join('; ')
}

/** Next's own cookie parsing for anything with headers (a Request, or `await headers()` in a page). */
export function asNextRequest(request: Request | { headers: Headers }): NextRequest {
  if (request instanceof NextRequest) return request
  return new NextRequest('http://localhost/', { headers: request.headers })
}

/** Expires every next-auth session cookie the request carried, chunks and __Secure- ones included. */
export function clearSessionCookies(request: NextRequest, response: NextResponse): void {
  for (const { name } of request.cookies.getAll()) {
    if (isSessionCookie(name))
      response.cookies.set(name, '', {
        path: '/',
        maxAge: 0,
        httpOnly: true,
        sameSite: 'lax',
        secure: name.startsWith('__Secure-'),
      })
  }
}
