import { NextRequest } from 'next/server'
import { describe, expect, it } from 'vitest'
import { nextAuthRoute } from './auth-route.js'

const route = nextAuthRoute({ providers: [], secret: 'auth-route-secret-0123456789' })
const context = { params: Promise.resolve({ nextauth: ['session'] }) }
const get = (path: string, cookie?: string) =>
  route(new NextRequest(`http://app.test${path}`, { headers: cookie ? { cookie } : {} }), context)

/** next-auth answers 500 to every auth call with a callbackUrl that is not http(s): here, a 400 that says why. */
describe('nextAuthRoute', () => {
  it.each(['a', 'javascript:alert(1)', 'ftp://x', ' '])('refuses the callbackUrl query %j with 400', async (url) => {
    const response = await get(`/api/auth/session?callbackUrl=${encodeURIComponent(url)}`)
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({
      error: 'bad_request',
      reason: 'the callbackUrl query parameter must be an http(s) URL or a path',
    })
  })

  it.each(['', '/', '/admin?x=1', 'https://app.test/next'])(
    'passes the callbackUrl %j on to next-auth (its own rule)',
    async (url) => {
      // Past the check, next-auth runs and needs a request scope: reaching it is what this shows.
      await expect(get(`/api/auth/session?callbackUrl=${encodeURIComponent(url)}`)).rejects.toThrow(
        /outside a request scope/,
      )
    },
  )

  it('refuses a bad callback-url cookie with 400 and clears it, so the next call works', async () => {
    for (const name of ['next-auth.callback-url', '__Secure-next-auth.callback-url']) {
      const response = await get('/api/auth/session', `${name}=a; other=1`)
      expect(response.status).toBe(400)
      expect((await response.json()).reason).toMatch(/cleared; retry/)
      expect(response.headers.getSetCookie()).toEqual([
        expect.stringMatching(new RegExp(`^${name.replace('.', '\\.')}=; Path=/; Max-Age=0`)),
      ])
    }
  })
})
