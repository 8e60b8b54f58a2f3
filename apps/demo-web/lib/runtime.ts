import type { AuthOptions } from 'next-auth'
import CredentialsProvider from 'next-auth/providers/credentials'
import { randomBytes } from 'node:crypto'
import { createValidationCache, describe, FleetMetrics, pricesFor, fromEnv, optionsFromConfig, userStoreFromConfig, type Config, type UserAdmin, type ValidationCache } from 'distributed-validation-cache'
import { withValidation, type SignedInUser } from 'distributed-validation-cache/next-auth'
import { getToken } from 'next-auth/jwt'
import type { NextRequest } from 'next/server'

export interface Runtime {
  config: Config
  cache: ValidationCache
  admin: UserAdmin
  authOptions: AuthOptions
  secret: string
  instance: string
  metrics: FleetMetrics
  startedAt: number
}

// The demo's fallback, so `pnpm demo` needs no env. Any real deployment sets NEXTAUTH_SECRET.
const DEMO_SECRET = 'demo-only-secret-set-NEXTAUTH_SECRET-in-production'

/**
 * One cache, one user store and one set of auth options per server process, shared by the
 * proxy and every route (a module-level singleton would be duplicated across Next's bundles).
 */
export function runtime(): Promise<Runtime> {
  const holder = globalThis as { __dvcRuntime?: Promise<Runtime> }
  holder.__dvcRuntime ??= create().catch((error: unknown) => {
    holder.__dvcRuntime = undefined // a config error is reported on every request until fixed, not cached
    throw error
  })
  return holder.__dvcRuntime
}

async function create(): Promise<Runtime> {
  const config = fromEnv()
  const secret = config.nextAuth.secret ?? DEMO_SECRET
  if (!config.nextAuth.secret) console.warn('[demo-web] NEXTAUTH_SECRET is not set: using a demo secret. Never deploy like this.')
  const store = await userStoreFromConfig(config, { pgliteDataDir: process.env.PGLITE_DATA_DIR ?? '.data/pglite' })
  const options = optionsFromConfig(config)
  const cache = createValidationCache({ ...options, source: store.source })
  await cache.ready()
  const instance = process.env.INSTANCE_ID ?? `${process.env.HOSTNAME ?? 'localhost'}:${process.env.PORT ?? '3000'}`
  const metrics = new FleetMetrics(cache, {
    store: options.store!, prefix: config.prefix, instanceId: instance, secret: config.secret ?? randomBytes(32).toString('base64url'),
  }).start()
  console.log(`[demo-web] ${instance}\n${describe(config)}`)
  const authOptions: AuthOptions = {
    secret,
    session: { strategy: 'jwt', maxAge: 8 * 3_600 },
    pages: { signIn: '/login' },
    providers: [
      CredentialsProvider({
        name: 'Email',
        credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
        authorize: (credentials) => store.authorize(credentials),
      }),
    ],
    events: { signIn: () => metrics.recordLogin() },
    callbacks: {
      jwt({ token, user }) {
        if (user) token.role = (user as SignedInUser).role
        return token
      },
      session({ session, token }) {
        if (session.user) Object.assign(session.user, { role: token.role ?? null })
        return session
      },
    },
  }
  return { config, cache, admin: store.admin, authOptions: withValidation(authOptions, cache), secret, instance, metrics, startedAt: Date.now() }
}

/** Whether the request carries an admin's session (raw_app_meta_data.role = "admin"). */
export async function isAdmin(request: Request): Promise<boolean> {
  const rt = await runtime()
  const token = await getToken({ req: request as NextRequest, secret: rt.secret })
  if (!token?.sub || token.role !== 'admin') return false
  const verdict = await rt.cache.validate(token.sub, { issuedAt: token.dvc_signed_in_at as number | undefined }).catch(() => undefined)
  return verdict?.valid === true
}

/** What the observability routes need, built from the runtime. */
export async function observabilityContext() {
  const rt = await runtime()
  return { cache: rt.cache, metrics: rt.metrics, token: rt.config.observabilityToken, isAdmin, startedAt: rt.startedAt, prices: pricesFor(rt.cache.stats().backend, rt.config.prices) }
}
