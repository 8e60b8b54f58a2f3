import type { AuthOptions } from 'next-auth'
import CredentialsProvider from 'next-auth/providers/credentials'
import type { Config, FleetMetrics } from 'distributed-validation-cache'
import type { ConfiguredUserSource } from 'distributed-validation-cache/env'

/**
 * next-auth v4's options for the demo, before the package wraps them (runtime.ts): credentials
 * over the user source, a login page of our own, and the role the user source gave at sign-in
 * kept in the token — for display only: access decisions read the role cached with the user's
 * state (admin-session.ts), which a demotion changes at once.
 */
export function authOptionsFor(parts: {
  config: Config
  secret: string
  users: ConfiguredUserSource
  metrics: FleetMetrics
}): AuthOptions {
  return {
    secret: parts.secret,
    session: { strategy: 'jwt', maxAge: Math.round(parts.config.nextAuth.sessionMaxAgeMs / 1000) },
    pages: { signIn: '/login' },
    providers: [
      CredentialsProvider({
        name: 'Email',
        credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
        authorize: (credentials) => parts.users.authorize(credentials),
      }),
    ],
    events: { signIn: () => parts.metrics.recordLogin() },
    callbacks: {
      jwt({ token, user }) {
        if (user) token.role = user.role ?? null
        return token
      },
      session({ session, token }) {
        if (session.user) session.user.role = token.role ?? null
        return session
      },
    },
  }
}
