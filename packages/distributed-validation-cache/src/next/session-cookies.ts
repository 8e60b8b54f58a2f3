import type { NextRequest, NextResponse } from 'next/server'

const SESSION_COOKIE = /^(__Secure-)?next-auth\.session-token(\.\d+)?$/

/** Expires every next-auth session cookie the request carried, chunks and __Secure- ones included. */
export function clearSessionCookies(request: NextRequest, response: NextResponse): void {
  for (const { name } of request.cookies.getAll()) {
    if (SESSION_COOKIE.test(name)) response.cookies.set(name, '', { path: '/', maxAge: 0, httpOnly: true, sameSite: 'lax', secure: name.startsWith('__Secure-') })
  }
}
