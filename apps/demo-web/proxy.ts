import { NextResponse, type NextRequest } from 'next/server'
import { validationProxy } from 'distributed-validation-cache/next'
import { runtime } from './lib/runtime'

let guard: ReturnType<typeof validationProxy> | undefined

/** Every page and API request (but sign-in itself and static files) is checked against the cache. */
export async function proxy(request: NextRequest) {
  const rt = await runtime()
  if (rt.skip) return NextResponse.next()
  guard ??= validationProxy({ cache: rt.cache, secret: rt.secret })
  return guard(request)
}

export const config = {
  // Whole path segments only: /login-x or /api/authz must not skip the check.
  matcher: ['/((?!(?:_next/static|_next/image|favicon\\.ico|login|api/auth|api/validation/webhook)(?:/|$)).*)'],
}
