import { encode } from 'next-auth/jwt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  postgresAvailable,
  redisAvailable,
} from '../../../packages/distributed-validation-cache/test/support/services.js'
import { SECRETS, startAppFleet } from './app-fleet.js'
import { signIn, type AppInstance } from './app-instance.js'

const servicesUp = (await redisAvailable()) && (await postgresAvailable())
const PLAIN = 'next-auth.session-token'
const SECURE = '__Secure-next-auth.session-token'

/**
 * Two session cookie names: next-auth picks `__Secure-` when NEXTAUTH_URL is https, or on Vercel
 * (VERCEL set, the edge forwarding https). A request carrying both — one the banned user's old
 * cookie — must be answered as next-auth chooses, never as two users: the proxy validates one
 * cookie and a route reads another. Over real HTTP against `next start`.
 */
describe.skipIf(!servicesUp)('demo-web: two session cookies in one request', () => {
  let fleet: Awaited<ReturnType<typeof startAppFleet>>
  let https: AppInstance
  let vercel: AppInstance
  let active: { id: string; email: string; password: string }
  let banned: string

  beforeAll(async () => {
    fleet = await startAppFleet(2, ['two-cookies'], {}, [
      { NEXTAUTH_URL: 'https://app.example.com' },
      { NEXTAUTH_URL: '', VERCEL: '1' },
    ])
    ;[https, vercel] = fleet.apps as [AppInstance, AppInstance]
    active = fleet.users.get('two-cookies')!
    banned = '00000000-0000-4000-8000-00000000ca51' // carol, a demo user banned for 24 h
  })
  afterAll(() => fleet?.stop())

  /** A cookie as next-auth would have signed it: the banned user's from before the ban. */
  const tokenOf = (sub: string) =>
    encode({
      token: { sub, email: `${sub}@example.com`, dvc_signed_in_at: Date.now() - 60_000 },
      secret: SECRETS.nextAuth,
    })
  // What Vercel's edge sends on: the original scheme. Without it next start says http.
  const viaVercel = { 'x-forwarded-proto': 'https' }

  it('paths that only begin like an excluded one (/login-x, /api/authz) are still checked', async () => {
    const cookie = `${SECURE}=${await tokenOf(banned)}`
    for (const path of ['/login-x', '/api/authz/anything', '/api/validation/webhookX']) {
      const response = await fetch(`${https.url}${path}`, { headers: { cookie }, redirect: 'manual' })
      expect([307, 401], path).toContain(response.status) // refused by the proxy, not a 404 past it
    }
  })

  for (const [label, app, extra] of [
    ['NEXTAUTH_URL=https://…', () => https, {}],
    ['VERCEL=1', () => vercel, viaVercel],
  ] as const) {
    it(`${label}: next-auth signs in with the __Secure- cookie`, async () => {
      const cookie = await signIn(app().url, active.email, active.password, extra)
      expect(cookie).toMatch(new RegExp(`^${SECURE}=`))
      const me = await fetch(`${app().url}/api/me`, { headers: { cookie: cookie!, ...extra } })
      expect(me.status).toBe(200)
    })

    it(`${label}: own plain cookie + the banned user's __Secure- cookie → refused, not the banned user's 200`, async () => {
      const cookie = `${PLAIN}=${await tokenOf(active.id)}; ${SECURE}=${await tokenOf(banned)}`
      const me = await fetch(`${app().url}/api/me`, { headers: { cookie, ...extra } })
      expect(me.status).toBe(401)
      expect(await me.json()).toEqual({ error: 'session_invalid', reason: 'banned' })
      const page = await fetch(`${app().url}/`, { headers: { cookie, ...extra }, redirect: 'manual' })
      expect(page.status).toBe(307)
      expect(page.headers.get('location')).toMatch(/\/login$/)
      expect(await (await fetch(`${app().url}/api/auth/session`, { headers: { cookie, ...extra } })).json()).toEqual({})
    })

    it(`${label}: the banned user's plain cookie + an active __Secure- cookie → answered as the active user only`, async () => {
      const cookie = `${PLAIN}=${await tokenOf(banned)}; ${SECURE}=${await tokenOf(active.id)}`
      const me = await fetch(`${app().url}/api/me`, { headers: { cookie, ...extra } })
      expect(me.status).toBe(200)
      expect(((await me.json()) as { user: { id: string } }).user.id).toBe(active.id)
      const session = (await (
        await fetch(`${app().url}/api/auth/session`, { headers: { cookie, ...extra } })
      ).json()) as { user?: { id?: string } }
      expect(session.user?.id).toBe(active.id)
    })

    it(`${label}: a chunked __Secure- cookie of the banned user is refused as well`, async () => {
      const value = await tokenOf(banned)
      const cookie = `${PLAIN}=${await tokenOf(active.id)}; ${SECURE}.0=${value.slice(0, 100)}; ${SECURE}.1=${value.slice(100)}`
      const me = await fetch(`${app().url}/api/me`, { headers: { cookie, ...extra } })
      expect(me.status).toBe(401)
    })

    it(`${label}: a verdict header sent by the client is never believed`, async () => {
      const cookie = `${SECURE}=${await tokenOf(banned)}`
      const me = await fetch(`${app().url}/api/me`, { headers: { cookie, 'x-dvc-verdict': 'active', ...extra } })
      expect(me.status).toBe(401)
    })
  }
})
