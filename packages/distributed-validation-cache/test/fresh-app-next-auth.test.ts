import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cookiesOf, signIn } from '../../../apps/demo-web/test/app-instance.js'
import { banAndNotify, dev, observabilityOf, startFreshApp, type FreshApp } from './support/fresh-app.js'
import { postgresAvailable, redisAvailable } from './support/services.js'

const servicesUp = (await redisAvailable()) && (await postgresAvailable())

/**
 * Issue 11: someone else's Next.js 16 app with next-auth v4 (fixtures next-auth-v4 and next16-proxy), wired only as
 * the README says — cacheFromEnv, withValidation, nextAuthRoute, the proxy, the webhook,
 * /api/observability — and nothing else: no serverExternalPackages; the next.config is create-next-app 16's
 * (cacheComponents: true). Built, started,
 * signed in, banned in SQL plus the webhook: 401.
 */
describe.skipIf(!servicesUp)('a fresh Next.js 16 app with next-auth v4, from the packed tarball and the README', () => {
  let app: FreshApp
  beforeAll(async () => {
    // The README's table: a Postgres user source and a Redis cache need these clients.
    const dependencies = {
      'next-auth': dev['next-auth'],
      ioredis: dev.ioredis,
      postgres: dev.postgres,
      bcryptjs: dev.bcryptjs,
    }
    app = await startFreshApp({
      fixtures: ['next-auth-v4', 'next16-proxy'],
      dependencies,
      env: (base) => ({ NEXTAUTH_SECRET: 'fresh-app-nextauth-secret-0123456789', NEXTAUTH_URL: base }),
    })
  }, 600_000)
  afterAll(() => app?.stop())

  it('next build connects to nothing: the cache is built on first use', () => {
    expect(app.connectionsDuringBuild).toBe(0)
  })

  it('validates a guarded request once: the proxy does, getServerSession believes its sealed verdict', async () => {
    const cookie = (await signIn(app.base, 'alice@example.com', 'alice-demo-password'))!
    const validations = async () => (await observabilityOf(app)).authentication.validations.total
    const before = await validations()
    for (let i = 0; i < 10; i++) {
      const whoami = await fetch(`${app.base}/api/whoami`, { headers: { cookie } })
      expect(await whoami.json()).toEqual({ id: '00000000-0000-4000-8000-00000000a11c' })
    }
    expect((await validations()) - before).toBe(10) // 20 when the route validated again
  })

  it('signs in, serves the session, and refuses it once the user is banned in SQL and the webhook fires', async () => {
    const cookie = await signIn(app.base, 'bob@example.com', 'bob-demo-password')
    expect(cookie).not.toBeNull()
    const me = () => fetch(`${app.base}/api/me`, { headers: { cookie: cookie! } })
    const active = (await (await me()).json()) as { id: string; verdict: string }
    expect(active.verdict).toBe('active')
    // getServerSession's session.user.id, typed without a cast (next build type-checks the app).
    expect(await (await fetch(`${app.base}/api/whoami`, { headers: { cookie: cookie! } })).json()).toEqual({
      id: active.id,
    })
    expect(await banAndNotify(app, 'bob@example.com')).toBe(200)
    const refused = await me()
    expect(refused.status).toBe(401) // the proxy refused it, before the route ran
    expect(cookiesOf(refused)).toMatch(/next-auth\.session-token=/) // and cleared the cookie
  })

  it('a protected page builds and renders under cacheComponents: true, with no <Suspense> by hand', async () => {
    const cookie = (await signIn(app.base, 'alice@example.com', 'alice-demo-password'))!
    const page = await (await fetch(`${app.base}/account`, { headers: { cookie } })).text()
    expect(page).toContain('data-id="00000000-0000-4000-8000-00000000a11c"')
    expect(await (await fetch(`${app.base}/account`)).text()).toContain('signed out')
  })

  it('/api/observability reports one instance for one next start, and the login', async () => {
    const report = await observabilityOf(app)
    expect(report.instances.seen).toBe(1) // one cache per process, however many bundles import it
    expect(report.authentication.logins.total).toBeGreaterThanOrEqual(1)
  })
})
