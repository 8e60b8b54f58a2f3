import type { AuthOptions } from 'next-auth'
import type { ValidationResult } from '../cache.js'
import { forwardedVerdict } from '../next/validated-session.js'
import { VERDICT_HEADER } from '../next/verdict-header.js'

/**
 * The verdict `validationProxy` sealed for this request's session cookie and subject, when the
 * jwt callback runs inside an App Router request that went through the proxy (getServerSession
 * in a route, a page, an action): that request is validated once, not twice. Null anywhere else —
 * the Pages Router, a script, a path the matcher skips, a seal made for another cookie or over a
 * second ago — and the callback validates as it always did.
 */
export async function proxyVerdict(
  options: AuthOptions,
  sub: string | null | undefined,
): Promise<ValidationResult | null> {
  const secret = options.secret ?? process.env.NEXTAUTH_SECRET ?? process.env.AUTH_SECRET
  if (!sub || !secret) return null
  const requestHeaders = await currentRequestHeaders()
  if (!requestHeaders?.has(VERDICT_HEADER)) return null
  const cookies = { cookieName: options.cookies?.sessionToken?.name, secureCookie: options.useSecureCookies }
  return forwardedVerdict({ headers: requestHeaders }, { secret, ...cookies }, sub)
}

// Loaded on use, so this entry still imports in plain Node, where `next/headers` may not resolve.
async function currentRequestHeaders(): Promise<Headers | null> {
  try {
    const { headers } = await import('next/headers')
    return new Headers(await headers())
  } catch {
    return null // no next, or outside a request scope
  }
}
