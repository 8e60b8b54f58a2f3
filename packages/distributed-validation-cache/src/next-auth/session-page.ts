import { getServerSession, type AuthOptions, type Session } from 'next-auth'
import { createElement, type ReactNode, Suspense } from 'react'
import { atRequestTime, type Lazy, resolveLazy } from '../next/lazy.js'

export interface SessionPageOptions {
  /** Shown while the session is read (the page's static shell). Default: nothing. */
  fallback?: ReactNode
}

/**
 * A page that needs the session, for the App Router — also with `cacheComponents: true`
 * (create-next-app 16's default), where reading the request outside `<Suspense>` fails the build:
 * the session is read inside a boundary of its own, so the page needs none by hand.
 *
 * ```tsx
 * export default sessionPage(authOptions, (session) => (session ? <Account session={session} /> : redirect('/login')))
 * ```
 * getServerSession runs the wrapped jwt callback: behind the proxy, its sealed verdict; else a validation.
 */
export function sessionPage(
  authOptions: Lazy<AuthOptions>,
  render: (session: Session | null) => ReactNode | Promise<ReactNode>,
  options: SessionPageOptions = {},
) {
  async function WithSession(): Promise<ReactNode> {
    // The request first: while next build prerenders, this postpones the boundary, so the options —
    // and the cache behind them — are never built (nor Redis connected) during the build.
    await atRequestTime()
    return render(await getServerSession(await resolveLazy(authOptions)))
  }
  return function SessionPage() {
    return createElement(Suspense, { fallback: options.fallback ?? null }, createElement(WithSession))
  }
}
