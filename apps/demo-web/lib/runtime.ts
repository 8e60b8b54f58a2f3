import type { AuthOptions } from 'next-auth'
import CredentialsProvider from 'next-auth/providers/credentials'
import { createValidationCache, describe, fromEnv, optionsFromConfig, userStoreFromConfig, type Config, type UserAdmin, type ValidationCache } from 'distributed-validation-cache'
import { withValidation, type SignedInUser } from 'distributed-validation-cache/next-auth'

export interface Runtime {
  config: Config
  cache: ValidationCache
  admin: UserAdmin
  authOptions: AuthOptions
  secret: string
  instance: string
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
  const cache = createValidationCache({ ...optionsFromConfig({ ...config, secret: config.secret ?? undefined }), source: store.source })
  await cache.ready()
  const instance = process.env.INSTANCE_ID ?? `${process.env.HOSTNAME ?? 'localhost'}:${process.env.PORT ?? '3000'}`
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
  return { config, cache, admin: store.admin, authOptions: withValidation(authOptions, cache), secret, instance }
}
