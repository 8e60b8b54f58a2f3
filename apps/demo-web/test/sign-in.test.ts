import { encode } from 'next-auth/jwt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  postgresAvailable,
  redisAvailable,
} from '../../../packages/distributed-validation-cache/test/support/services.js'
import { SECRETS, startAppFleet } from './app-fleet.js'
import { signIn, type AppInstance } from './app-instance.js'

const servicesUp = (await redisAvailable()) && (await postgresAvailable())

/**
 * A correct sign-in right after an unban made in SQL (no webhook), while both instances still
 * cache the ban for the negative TTL: the user gets in on every instance — never a 500.
 */
describe.skipIf(!servicesUp)('demo-web: signing in after an unban the cache has not heard of', () => {
  let fleet: Awaited<ReturnType<typeof startAppFleet>>
  let a: AppInstance
  let b: AppInstance
  beforeAll(async () => {
    fleet = await startAppFleet(2, ['unbanned-in-sql'], { VALIDATION_CACHE_NEGATIVE_TTL: '5 m' })
    ;[a, b] = fleet.apps as [AppInstance, AppInstance]
  })
  afterAll(() => fleet?.stop())

  const me = (app: AppInstance, cookie: string) => fetch(`${app.url}/api/me`, { headers: { cookie } })

  it('signs in with 200 and a session that both instances accept', async () => {
    const user = fleet.users.get('unbanned-in-sql')!
    await fleet.db.sql`update auth.users set banned_until = now() + interval '1 hour' where id = ${user.id}`
    const old = `next-auth.session-token=${await encode({ token: { sub: user.id, dvc_signed_in_at: Date.now() }, secret: SECRETS.nextAuth })}`
    for (const app of [a, b])
      expect(await (await me(app, old)).json()).toEqual({ error: 'session_invalid', reason: 'banned' })
    await fleet.db.sql`update auth.users set banned_until = null where id = ${user.id}`

    const cookie = await signIn(a.url, user.email, user.password)
    expect(cookie, 'sign-in right after the unban').not.toBeNull()
    for (const app of [a, b]) expect((await me(app, cookie!)).status).toBe(200)
  })

  it('a wrong password or a banned user is a clean 401 from the sign-in, never a 500', async () => {
    const user = fleet.users.get('unbanned-in-sql')!
    const attempt = async (email: string, password: string) => {
      const csrf = await fetch(`${a.url}/api/auth/csrf`)
      const { csrfToken } = (await csrf.json()) as { csrfToken: string }
      return fetch(`${a.url}/api/auth/callback/credentials`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: csrf.headers
            .getSetCookie()
            .map((c) => c.split(';')[0])
            .join('; '),
        },
        body: new URLSearchParams({ csrfToken, email, password, json: 'true' }),
      })
    }
    expect((await attempt(user.email, 'wrong')).status).toBe(401)
    expect((await attempt('carol@example.com', 'carol-demo-password')).status).toBe(401) // banned for 24 h
  })
})
