import type { AuthOptions } from 'next-auth'
import CredentialsProvider from 'next-auth/providers/credentials'
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import {
  ConfigError,
  createValidationCache,
  describe,
  FleetMetrics,
  pricesFor,
  fromEnv,
  type Config,
  type SignedInUser,
  type UserAdmin,
  type ValidationCache,
} from 'distributed-validation-cache'
import { oncePerProcess, optionsFromConfig, userSourceFromConfig } from 'distributed-validation-cache/env'
import { withValidation } from 'distributed-validation-cache/next-auth'
import { validatedSession } from 'distributed-validation-cache/next'

export interface Runtime {
  config: Config
  cache: ValidationCache
  admin: UserAdmin
  authOptions: AuthOptions
  secret: string
  instance: string
  metrics: FleetMetrics
  startedAt: number
  /** True only for the HTTP benchmark's no-validation baseline. */
  skip: boolean
}

/**
 * One cache, one user source and one set of auth options per server process, shared by the
 * proxy and every route: Next evaluates this module once per bundle, so a module-level singleton
 * would be built several times (oncePerProcess keeps one on globalThis). A config error is
 * reported on every request until fixed, not cached.
 */
export function runtime(): Promise<Runtime> {
  return oncePerProcess('demo-web:runtime', create)
}

async function create(): Promise<Runtime> {
  const config = fromEnv()
  const secret = config.nextAuth.secret ?? embeddedOnlySecret(config)
  const store = await userSourceFromConfig(config, { pgliteDataDir: process.env.PGLITE_DATA_DIR ?? '.data/pglite' })
  // One name for this process in the cache's stats and in fleet metrics alike (os.hostname(), not
  // $HOSTNAME, which Next's Docker images set to 0.0.0.0 on every host).
  const instance = config.instanceId ?? `${hostname()}:${process.env.PORT ?? '3000'}`
  const options = await optionsFromConfig({ ...config, instanceId: instance })
  const cache = createValidationCache({ ...options, source: store.source })
  await cache.ready()
  const metrics = new FleetMetrics(cache, {
    store: options.store!,
    prefix: config.prefix,
    instanceId: instance,
    secret: config.secret ?? randomBytes(32).toString('base64url'),
  }).start()
  console.log(`[demo-web] ${instance}\n${describe(config)}`)
  const authOptions: AuthOptions = {
    secret,
    session: { strategy: 'jwt', maxAge: Math.round(config.nextAuth.sessionMaxAgeMs / 1000) },
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
  // The HTTP benchmark's baseline only: the same app with sessions never re-validated.
  const skip = process.env.DVC_BENCHMARK_BASELINE_NO_VALIDATION === '1'
  return {
    config,
    cache,
    admin: store.admin,
    authOptions: skip ? authOptions : withValidation(authOptions, cache),
    secret,
    instance,
    metrics,
    startedAt: Date.now(),
    skip,
  }
}

/**
 * The id of the admin whose valid session the request carries, or null. The role is the user
 * store's (raw_app_meta_data.role), cached with the user's state — not the token's claim — so a
 * demotion through the admin API (or the webhook) takes effect on every instance at once.
 */
export async function adminOf(request: Request | { headers: Headers }, { fresh = false } = {}): Promise<string | null> {
  const rt = await runtime()
  const session = await validatedSession(request, rt.cache, { secret: rt.secret, fresh })
  const { valid, role, tier } = session?.result ?? {}
  // fresh (an action): validated now, and never on a stale role kept while the user source is down.
  return valid && role === 'admin' && !(fresh && tier === 'stale') ? session!.token.sub : null
}

export const isAdmin = async (request: Request) => (await adminOf(request)) !== null

/**
 * Without NEXTAUTH_SECRET, only the embedded single-process demo runs, on a random secret:
 * a fixed fallback would let anyone sign their own admin session.
 */
function embeddedOnlySecret(config: Config): string {
  if (config.userSource.provider !== 'pglite' || config.cache.provider !== 'memory') {
    throw new ConfigError([
      {
        variable: 'NEXTAUTH_SECRET',
        message: 'is required with a shared cache or user source (generate one: openssl rand -base64 32)',
      },
    ])
  }
  console.warn('[demo-web] NEXTAUTH_SECRET is not set: embedded demo on a random secret (sessions end on restart).')
  return randomBytes(32).toString('base64url')
}

/** What the observability routes need, built from the runtime. */
export async function observabilityContext() {
  const rt = await runtime()
  return {
    cache: rt.cache,
    metrics: rt.metrics,
    token: rt.config.observabilityToken,
    isAdmin,
    startedAt: rt.startedAt,
    prices: pricesFor(rt.cache.stats().backend, rt.config.prices),
  }
}
