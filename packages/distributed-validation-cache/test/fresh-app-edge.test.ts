import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startBridge, type Bridge } from 'upstash-rest-bridge'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cookiesOf, signIn } from '../../../apps/demo-web/test/app-instance.js'
import { dev, nextBuild, notifyChange, startFreshApp, type FreshApp } from './support/fresh-app.js'
import { FakeGoTrue } from './support/gotrue.js'
import { waitFor } from './support/redis-server.js'
import { redisAvailable } from './support/services.js'

const redisUp = await redisAvailable()
const NEXT_15 = '15.5.29' // the last Next 15: middleware.ts on the Edge runtime by default
const DANA = { id: '00000000-0000-4000-8000-0000000000da', email: 'dana@example.com', password: 'dana-password' }

/**
 * Issue 11: a Next 15 app whose middleware.ts runs on the Edge runtime (no TCP, no node:crypto)
 * with the Upstash driver against the REST bridge and the Supabase source against a GoTrue
 * stand-in; its Node routes read the same environment through cacheFromEnv. The proxy's verdict
 * is sealed with Web Crypto on the Edge and opened on Node.
 */
describe.skipIf(!redisUp)('a fresh Next 15 app with an Edge middleware.ts, Upstash and Supabase', () => {
  let app: FreshApp
  let bridge: Bridge
  let gotrue: FakeGoTrue
  beforeAll(async () => {
    gotrue = await new FakeGoTrue(`service-${randomUUID()}`).start()
    gotrue.users.set(DANA.id, { id: DANA.id, email: DANA.email, app_metadata: { provider: 'email' } })
    gotrue.passwords.set(DANA.id, DANA.password)
    bridge = await startBridge({ token: `edge-${randomUUID()}` })
    app = await startFreshApp({
      fixtures: ['next-auth-v4', 'next15-edge'],
      dependencies: {
        next: NEXT_15,
        'next-auth': dev['next-auth'],
        '@upstash/redis': dev['@upstash/redis'],
        '@supabase/supabase-js': dev['@supabase/supabase-js'],
      },
      env: (base) => ({
        NEXTAUTH_SECRET: 'fresh-edge-nextauth-secret-0123456789',
        NEXTAUTH_URL: base,
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: bridge.token,
        NEXT_PUBLIC_SUPABASE_URL: gotrue.url,
        NEXT_PUBLIC_SUPABASE_ANON_KEY: gotrue.anonKey,
        SUPABASE_SERVICE_ROLE_KEY: gotrue.serviceRoleKey,
        VALIDATION_CACHE_PREFIX: `edge${randomUUID().slice(0, 8)}:`,
      }),
      services: false,
    })
  }, 600_000)
  afterAll(async () => {
    await app?.stop()
    await bridge?.close()
    await gotrue?.stop()
  })

  it('builds the Edge middleware with no Node module or API of ours in it', () => {
    expect(app.buildOutput).toMatch(/Middleware/)
    expect(app.buildOutput).not.toMatch(/Dynamic Code Evaluation/)
    // Each warning names the file it is about on the line before it. @upstash/redis and supabase-js
    // read process.version behind a guard: theirs, and what every Edge app using them sees.
    const flagged = [...app.buildOutput.matchAll(/^(\S+)\n.*not supported in the Edge Runtime/gm)].map((m) => m[1])
    expect(app.buildOutput.includes('not supported in the Edge Runtime') === flagged.length > 0).toBe(true)
    expect(flagged.filter((file) => file!.includes('distributed-validation-cache'))).toEqual([])
    console.log(`Edge build warnings, none ours: ${[...new Set(flagged)].join(', ') || 'none'}`)
  })

  it('refuses a banned user in middleware.ts on the Edge runtime, the ban heard through Upstash', async () => {
    const cookie = (await signIn(app.base, DANA.email, DANA.password))!
    expect(cookie).toMatch(/^next-auth\.session-token=/)
    const me = () => fetch(`${app.base}/api/me`, { headers: { cookie } })
    const active = await me()
    // The middleware ran on the Edge runtime.
    expect(active.headers.get('x-runtime'), `${active.status}; next start said:\n${app.output()}`).toBe('edge-runtime')
    expect(await active.json()).toEqual({ id: DANA.id, verdict: 'active' }) // Node opened the Edge's seal

    gotrue.users.set(DANA.id, {
      ...gotrue.users.get(DANA.id)!,
      banned_until: new Date(Date.now() + 3_600_000).toISOString(),
    })
    const bannedAt = performance.now()
    expect(await notifyChange(app, DANA.id)).toBe(200)
    // The Node side refreshed the user and logged the change: its route refuses at once. The Edge
    // middleware, holding no stream open, reads that log (1 s lockout bound; 5 s here, for slow CI).
    let routeRefusedAt: number | undefined
    const refused = await waitFor(
      async () => {
        const response = await me()
        if (response.status === 401) routeRefusedAt ??= performance.now()
        // Refused by the middleware: it alone clears the cookie, before any route runs.
        return response.status === 401 && cookiesOf(response).includes('next-auth.session-token=') && response
      },
      { timeoutMs: 5_000, intervalMs: 50, what: 'the Edge middleware to refuse the banned user' },
    )
    const after = (t: number | undefined) => `${Math.round((t ?? Number.NaN) - bannedAt)} ms`
    console.log(
      `banned: Node route refused ${after(routeRefusedAt)}, Edge middleware ${after(performance.now())} after`,
    )
    expect(refused.headers.get('x-runtime')).toBe('edge-runtime')
    expect(await refused.json()).toEqual({ error: 'session_invalid', reason: 'banned' })
  })

  it('fails the build of an Edge middleware that imports a Node-only driver, naming the one to use', async () => {
    writeFileSync(
      join(app.dir, 'middleware.ts'),
      [
        "import { redisStore } from 'distributed-validation-cache/redis'",
        "import { NextResponse } from 'next/server'",
        'export function middleware() {',
        '  return redisStore ? NextResponse.next() : NextResponse.next()',
        '}',
      ].join('\n'),
    )
    const failure = await nextBuild(app.dir, app.env).then(
      () => 'built',
      (error: Error) => error.message,
    )
    console.log(`the build said: ${failure.split('\n').find((line) => line.includes('cannot run on the Edge'))}`)
    expect(failure).toContain('distributed-validation-cache/redis cannot run on the Edge runtime')
    expect(failure).toContain('use distributed-validation-cache/upstash there')
  }, 300_000)
})
