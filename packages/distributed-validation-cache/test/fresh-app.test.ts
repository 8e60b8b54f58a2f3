import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cookiesOf, signIn } from '../../../apps/demo-web/test/app-instance.js'
import { migrateAuthSchema, seedDemoUsers } from '../src/drivers/setup.js'
import { postgresSource } from '../src/sources/postgres.js'
import { freePort, OwnRedisServer, waitFor } from './support/redis-server.js'
import { createScratchDatabase } from './support/scratch-database.js'
import { postgresAvailable, redisAvailable } from './support/services.js'
import { PACKAGE_ROOT } from './support/shipped-bin.js'

const sh = promisify(execFile)
const servicesUp = (await redisAvailable()) && (await postgresAvailable())
const { devDependencies: dev } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }
const SECRET = 'fresh-app-nextauth-secret-0123456789'
const WEBHOOK = 'fresh-app-webhook-secret-0123456789'

/**
 * Issue 11: someone else's Next.js 16 app, outside the workspace — its own package.json, packages
 * from the registry, the packed tarball, no path into packages/ — wired only as the README says
 * (test/fixtures/fresh-app: cacheFromEnv, withValidation, nextAuthRoute, the proxy, the webhook,
 * /api/observability) and nothing else: no next.config, no serverExternalPackages. Built, started,
 * signed in, banned in SQL plus the webhook: 401.
 */
type Report = { instances: { seen: number }; authentication: { logins: { total: number }; validations: { total: number } } }

describe.skipIf(!servicesUp)('a fresh Next.js 16 app with next-auth v4, from the packed tarball and the README', () => {
  let work: string
  let app: string
  let redis: OwnRedisServer
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>
  let server: ChildProcess | undefined
  let base: string
  let connectionsDuringBuild = -1

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'dvc-fresh-app-'))
    await sh('pnpm', ['pack', '--pack-destination', work], { cwd: PACKAGE_ROOT })
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'))!
    app = join(work, 'app')
    mkdirSync(app)
    cpSync(new URL('./fixtures/fresh-app', import.meta.url), app, { recursive: true })
    writeFileSync(join(app, 'package.json'), JSON.stringify({
      name: 'someone-elses-app', version: '1.0.0', private: true,
      scripts: { build: 'next build', start: 'next start' },
      dependencies: {
        'distributed-validation-cache': `file:${join(work, tarball)}`,
        next: dev.next, react: dev.react, 'react-dom': dev['react-dom'], 'next-auth': dev['next-auth'],
        // The README's table: a Postgres user store and a Redis cache need these clients.
        ioredis: dev.ioredis, postgres: dev.postgres, bcryptjs: dev.bcryptjs,
      },
      devDependencies: { typescript: '5.9.3', '@types/react': '19.3.0', '@types/node': dev['@types/node'] },
    }, null, 2))
    await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: app, timeout: 300_000 })

    redis = await OwnRedisServer.start()
    scratch = await createScratchDatabase()
    const source = postgresSource({ url: scratch.url })
    await migrateAuthSchema(source.run)
    await seedDemoUsers(source.run)
    await source.close()

    const port = await freePort()
    base = `http://127.0.0.1:${port}`
    const env = {
      ...process.env, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' as const, PORT: String(port),
      DATABASE_URL: scratch.url, REDIS_URL: redis.url, NEXTAUTH_SECRET: SECRET, NEXTAUTH_URL: base,
      REVALIDATION_WEBHOOK_SECRET: WEBHOOK, OBSERVABILITY_TOKEN: 'fresh-app-observability-token-01',
    }
    const admin = new Redis(redis.url)
    const connections = async () => Number(/total_connections_received:(\d+)/.exec(await admin.info('stats'))![1])
    const before = await connections()
    await sh('npx', ['next', 'build'], { cwd: app, env, timeout: 300_000 })
    connectionsDuringBuild = (await connections()) - before
    await admin.quit()
    server = spawn('npx', ['next', 'start', '-p', String(port), '-H', '127.0.0.1'], { cwd: app, env, stdio: 'ignore', detached: true })
    await waitFor(async () => (await fetch(`${base}/api/auth/csrf`).catch(() => null))?.ok, { timeoutMs: 60_000, intervalMs: 250, what: 'next start' })
  }, 600_000)

  const observability = async () =>
    (await (await fetch(`${base}/api/observability`, { headers: { authorization: 'Bearer fresh-app-observability-token-01' } })).json()) as Report

  afterAll(async () => {
    if (server?.pid) process.kill(-server.pid, 'SIGTERM')
    await redis?.stop()
    await scratch?.drop()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('next build connects to nothing: the cache is built on first use', () => {
    expect(connectionsDuringBuild).toBe(0)
  })

  it('validates a guarded request once: the proxy does, getServerSession believes its sealed verdict', async () => {
    const cookie = (await signIn(base, 'alice@example.com', 'alice-demo-password'))!
    const validations = async () => (await observability()).authentication.validations.total
    const before = await validations()
    for (let i = 0; i < 10; i++) {
      const whoami = await fetch(`${base}/api/whoami`, { headers: { cookie } })
      expect(await whoami.json()).toEqual({ id: '00000000-0000-4000-8000-00000000a11c' })
    }
    expect((await validations()) - before).toBe(10) // 20 when the route validated again
  })

  it('signs in, serves the session, and refuses it once the user is banned in SQL and the webhook fires', async () => {
    const cookie = await signIn(base, 'bob@example.com', 'bob-demo-password')
    expect(cookie).not.toBeNull()
    const me = () => fetch(`${base}/api/me`, { headers: { cookie: cookie! } })
    const active = (await (await me()).json()) as { id: string; verdict: string }
    expect(active.verdict).toBe('active')
    // getServerSession's session.user.id, typed without a cast (next build type-checks the app).
    expect(await (await fetch(`${base}/api/whoami`, { headers: { cookie: cookie! } })).json()).toEqual({ id: active.id })
    const sql = postgres(scratch.url, { max: 1, onnotice: () => undefined })
    const [row] = await sql`update auth.users set banned_until = now() + interval '1 hour' where email = 'bob@example.com' returning id`
    const id = row!.id as string
    await sql.end()
    const hook = await fetch(`${base}/api/validation/webhook`, {
      method: 'POST', headers: { authorization: `Bearer ${WEBHOOK}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'UPDATE', table: 'users', schema: 'auth', record: { id }, old_record: { id } }),
    })
    expect(hook.status).toBe(200)
    const refused = await me()
    expect(refused.status).toBe(401) // the proxy refused it, before the route ran
    expect(cookiesOf(refused)).toMatch(/next-auth\.session-token=/) // and cleared the cookie
  })

  it('/api/observability reports one instance for one next start, and the login', async () => {
    const report = await observability()
    expect(report.instances.seen).toBe(1) // one cache per process, however many bundles import it
    expect(report.authentication.logins.total).toBeGreaterThanOrEqual(1)
  })
})
