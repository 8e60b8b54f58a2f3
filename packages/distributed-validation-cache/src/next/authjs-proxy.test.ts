import { NextRequest, type NextFetchEvent } from 'next/server'
import { describe, expect, it } from 'vitest'
import { authjsRequest } from '../next-auth/authjs-request.js'
import { authjsProxy } from './authjs-proxy.js'

// What next-auth v5's `auth(handler)` hands the handler: the request with `auth` set (the fresh
// Auth.js app in test/fresh-app-authjs.test.ts runs the real one).
const withSession =
  (session: unknown) =>
  (handler: Parameters<Parameters<typeof authjsProxy>[0]>[0]) =>
  (request: NextRequest, event: NextFetchEvent) =>
    handler(Object.assign(request, { auth: session }), event)

const run = async (session: unknown, path: string, cookie?: string) => {
  const request = new NextRequest(new URL(path, 'http://app.test'), { headers: cookie ? { cookie } : {} })
  return (await authjsProxy(withSession(session))(request, {} as NextFetchEvent)) ?? undefined
}

describe('authjsProxy', () => {
  it('works with a lazy NextAuth config, whose auth(handler) gives a promise of the middleware', async () => {
    const lazy = (handler: Parameters<Parameters<typeof authjsProxy>[0]>[0]) =>
      Promise.resolve(withSession(null)(handler))
    const request = new NextRequest('http://app.test/api/me', { headers: { cookie: 'authjs.session-token=x' } })
    expect((await authjsProxy(lazy)(request, {} as NextFetchEvent))?.status).toBe(401)
  })

  it('passes sessions, and requests that never had one', async () => {
    expect(await run({ user: { id: 'u' } }, '/api/me', 'authjs.session-token=x')).toBeUndefined()
    expect(await run(null, '/api/me')).toBeUndefined()
    expect(await run(null, '/api/me', 'other=1; authjs.session-token-x=1')).toBeUndefined() // not a session cookie
  })

  it('answers 401 on APIs and redirects pages when the cookie came but the session was ended', async () => {
    for (const cookie of ['authjs.session-token=x', '__Secure-authjs.session-token.0=x; other=1']) {
      const api = (await run(null, '/api/me', cookie))!
      expect(api.status).toBe(401)
      expect(await api.json()).toEqual({ error: 'session_invalid', reason: 'the session ended' })
      const page = (await run(null, '/dashboard', cookie))!
      expect([page.status, page.headers.get('location')]).toEqual([307, 'http://app.test/login'])
    }
  })

  it('answers 503 and keeps the session when the jwt callback found the user source unreachable', async () => {
    // What withAuthjsValidation's jwt callback does inside auth(): tells the request its verdict.
    const unreachable =
      (handler: Parameters<Parameters<typeof authjsProxy>[0]>[0]) => (request: NextRequest, event: NextFetchEvent) => {
        authjsRequest.getStore()!.verdict = 'unavailable'
        return handler(Object.assign(request, { auth: { user: { id: 'u' } } }), event)
      }
    for (const [path, type] of [
      ['/api/me', 'application/json'],
      ['/dashboard', 'text/plain;charset=UTF-8'],
    ] as const) {
      const request = new NextRequest(new URL(path, 'http://app.test'), {
        headers: { cookie: 'authjs.session-token=x' },
      })
      const response = (await authjsProxy(unreachable)(request, {} as NextFetchEvent))!
      expect([response.status, response.headers.get('retry-after'), response.headers.get('content-type')]).toEqual([
        503,
        '5',
        type,
      ])
      expect(response.headers.getSetCookie()).toEqual([]) // the cookie is kept
    }
  })
})
