import type { AuthOptions } from 'next-auth'
import NextAuthExport from 'next-auth'
import type { NextRequest } from 'next/server'

// next-auth v4 is CommonJS with `exports.default`: where this package is strict ESM to the bundler
// (webpack, Next 15's default), the default import is the whole exports object, not the function.
const NextAuth: typeof NextAuthExport =
  typeof NextAuthExport === 'function'
    ? NextAuthExport
    : (NextAuthExport as unknown as { default: typeof NextAuthExport }).default

const CALLBACK_COOKIES = ['next-auth.callback-url', '__Secure-next-auth.callback-url']

type Context = { params: Promise<{ nextauth: string[] }> }

/**
 * next-auth v4's App Router handler for `app/api/auth/[...nextauth]/route.ts`, without its one
 * 500 on client input: a `callbackUrl` (query or cookie) that is not an http(s) URL or a path
 * makes next-auth answer "a problem with the server configuration" to every auth call. Here it
 * is a 400 saying so, and a bad cookie is cleared, so the next call works.
 */
export function nextAuthRoute(options: AuthOptions | (() => AuthOptions | Promise<AuthOptions>)) {
  return async function handler(request: NextRequest, context: Context): Promise<Response> {
    const query = request.nextUrl.searchParams.get('callbackUrl')
    if (query !== null && !isCallbackUrl(query)) return badCallbackUrl('the callbackUrl query parameter', [])
    const names = [
      ...CALLBACK_COOKIES,
      ...(typeof options === 'object' ? [options.cookies?.callbackUrl?.name ?? ''] : []),
    ]
    const bad = request.cookies
      .getAll()
      .filter((c) => names.includes(c.name) && !isCallbackUrl(c.value))
      .map((c) => c.name)
    if (bad.length > 0) return badCallbackUrl(`the ${bad.join(' and ')} cookie`, bad)
    return NextAuth(request as never, context as never, typeof options === 'function' ? await options() : options)
  }
}

// next-auth's own test (core/lib/assert.js): empty is unset; else absolute http(s), or a path.
function isCallbackUrl(url: string): boolean {
  if (url === '') return true
  try {
    return /^https?:/.test(new URL(url, url.startsWith('/') ? 'http://localhost' : undefined).protocol)
  } catch {
    return false
  }
}

function badCallbackUrl(what: string, clear: string[]): Response {
  const headers = new Headers({ 'content-type': 'application/json' })
  for (const name of clear)
    headers.append(
      'set-cookie',
      `${name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${name.startsWith('__Secure-') ? '; Secure' : ''}`,
    )
  const reason = `${what} must be an http(s) URL or a path${clear.length ? ' (cleared; retry)' : ''}`
  return new Response(JSON.stringify({ error: 'bad_request', reason }), { status: 400, headers })
}
