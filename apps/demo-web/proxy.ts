import type { NextRequest } from 'next/server'
import { guardRequest } from './lib/proxy-guard'

/** Every page and API request (but sign-in itself and static files) is checked against the cache. */
export function proxy(request: NextRequest) {
  return guardRequest(request)
}

export const config = {
  // Whole path segments only: /login-x or /api/authz must not skip the check.
  matcher: ['/((?!(?:_next/static|_next/image|favicon\\.ico|login|api/auth|api/validation/webhook)(?:/|$)).*)'],
}
