import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cookiesOf, signIn } from '../../../apps/demo-web/test/app-instance.js'
import { banAndNotify, dev, observabilityOf, startFreshApp, type FreshApp } from './support/fresh-app.js'
import { postgresAvailable, redisAvailable } from './support/services.js'

const servicesUp = (await redisAvailable()) && (await postgresAvailable())
// Auth.js v5 is next-auth@beta: its own major, beside the v4 this workspace builds with.
const NEXT_AUTH_BETA = '5.0.0-beta.32'

/**
 * Issue 11: the same fresh Next.js 16 app with the real next-auth@beta (test/fixtures/fresh-app/authjs-v5):
 * `NextAuth()` with `withAuthjsValidation`, `auth()` in a route and, through `authjsProxy`, in
 * proxy.ts; the webhook and /api/observability as for v4.
 */
describe.skipIf(!servicesUp)('a fresh Next.js 16 app with Auth.js v5 (next-auth@beta), from the packed tarball', () => {
  let app: FreshApp
  beforeAll(async () => {
    const dependencies = {
      'next-auth': NEXT_AUTH_BETA,
      ioredis: dev.ioredis,
      postgres: dev.postgres,
      bcryptjs: dev.bcryptjs,
    }
    app = await startFreshApp({
      fixtures: ['authjs-v5'],
      dependencies,
      env: () => ({ AUTH_SECRET: 'fresh-authjs-secret-0123456789abcdef' }),
    })
  }, 600_000)
  afterAll(() => app?.stop())

  it('next build connects to nothing', () => {
    expect(app.connectionsDuringBuild).toBe(0)
  })

  it('signs in, auth() serves the session, and a ban in SQL plus the webhook ends it in proxy.ts and in auth()', async () => {
    expect(await signIn(app.base, 'carol@example.com', 'carol-demo-password')).toBeNull() // banned: no session
    const cookie = (await signIn(app.base, 'bob@example.com', 'bob-demo-password'))!
    expect(cookie).toMatch(/^authjs\.session-token=/)
    const me = () => fetch(`${app.base}/api/me`, { headers: { cookie } })
    expect(await (await me()).json()).toEqual({ id: '00000000-0000-4000-8000-000000000b0b' })
    expect(await banAndNotify(app, 'bob@example.com')).toBe(200)
    const refused = await me()
    expect(refused.status).toBe(401) // authjsProxy: the cookie came, auth() found no session
    expect(await refused.json()).toEqual({ error: 'session_invalid', reason: 'the session ended' })
    expect(cookiesOf(refused)).toMatch(/authjs\.session-token=;|authjs\.session-token=(?:;|$)/) // Auth.js cleared it
    // Auth.js's own route (not behind the proxy) runs the same jwt callback: no session either.
    const session = await fetch(`${app.base}/api/auth/session`, { headers: { cookie } })
    expect(await session.json()).toBeNull()
  })

  it('/api/observability reports one instance and the logins', async () => {
    const report = await observabilityOf(app)
    expect(report.instances.seen).toBe(1)
    expect(report.authentication.logins.total).toBeGreaterThanOrEqual(1)
  })
})
