import { randomUUID } from 'node:crypto'
import { Auth, type AuthConfig } from '@auth/core'
import Credentials from '@auth/core/providers/credentials'
import type { JWT } from 'next-auth/jwt'
import { describe, expect, it } from 'vitest'
import { createValidationCache } from '../src/cache.js'
import { withAuthjsValidation } from '../src/next-auth/with-authjs-validation.js'
import { withValidation } from '../src/next-auth/with-validation.js'
import { memoryStore } from '../src/stores/memory.js'
import { FleetSource } from './support/fleet-source.js'

/**
 * At sign-in the user source has just spoken: a ban lifted in the store (in SQL, no webhook)
 * while the cache still holds it must not refuse the new session — and never as a 500.
 */
function setup() {
  const source = new FleetSource()
  const cache = createValidationCache({ source, store: memoryStore(), sourceTimeout: 500, negativeTtl: 60_000 })
  const id = source.add(randomUUID(), { bannedUntil: Date.now() + 3_600_000 })
  return { source, cache, id }
}

async function cachedAsBannedThenUnbanned({ source, cache, id }: ReturnType<typeof setup>) {
  expect((await cache.validate(id, { issuedAt: Date.now() })).verdict).toBe('banned') // cached for the negative TTL
  source.update(id, { bannedUntil: null }) // unbanned in the store; the cache is not told
  expect((await cache.validate(id, { issuedAt: Date.now() })).tier).toBe('l1')
}

describe('next-auth v4: signing in right after an unban the cache has not heard of', () => {
  it('signIn lets the user in (the cache re-reads the store), and jwt issues the session', async () => {
    const ctx = setup()
    await cachedAsBannedThenUnbanned(ctx)
    const options = withValidation({ providers: [] }, ctx.cache)
    expect(await options.callbacks!.signIn!({ user: { id: ctx.id }, account: null } as never)).toBe(true)
    const token = (await options.callbacks!.jwt!({
      token: { sub: ctx.id },
      user: { id: ctx.id },
      account: null,
    } as never)) as JWT
    expect(token.sub).toBe(ctx.id)
    expect((await ctx.cache.validate(ctx.id, { issuedAt: Date.now() })).verdict).toBe('active')
  })

  it('a user the store still bans is refused by signIn (AccessDenied), and jwt at sign-in never throws (a 500)', async () => {
    const ctx = setup()
    const options = withValidation({ providers: [] }, ctx.cache)
    expect(await options.callbacks!.signIn!({ user: { id: ctx.id }, account: null } as never)).toBe(false)
    const token = (await options.callbacks!.jwt!({
      token: { sub: ctx.id },
      user: { id: ctx.id },
      account: null,
    } as never)) as JWT
    expect(token.sub).toBe(ctx.id)
    // A sign-in that raced a ban carries no sign-in time, so the ban's revocation covers it too.
    expect(token.dvc_signed_in_at).toBe(0)
  })

  it('an active user signs in without an extra user-source query; only a refusal is re-read at the source', async () => {
    const ctx = setup()
    ctx.source.update(ctx.id, { bannedUntil: null })
    const options = withValidation({ providers: [] }, ctx.cache)
    expect(await options.callbacks!.signIn!({ user: { id: ctx.id }, account: null } as never)).toBe(true)
    expect(await options.callbacks!.signIn!({ user: { id: ctx.id }, account: null } as never)).toBe(true)
    expect(ctx.source.queries).toBe(1)
  })

  it('an email provider asking to send a link is not a sign-in yet: no lookup', async () => {
    const ctx = setup()
    const options = withValidation({ providers: [] }, ctx.cache)
    const result = await options.callbacks!.signIn!({
      user: { id: ctx.id },
      account: null,
      email: { verificationRequest: true },
    } as never)
    expect(result).toBe(true)
    expect(ctx.source.queries).toBe(0)
  })

  it("keeps the app's own signIn refusal or redirect", async () => {
    const ctx = setup()
    ctx.source.update(ctx.id, { bannedUntil: null })
    const refuse = withValidation({ providers: [], callbacks: { signIn: () => '/not-invited' } }, ctx.cache)
    expect(await refuse.callbacks!.signIn!({ user: { id: ctx.id }, account: null } as never)).toBe('/not-invited')
  })
})

describe('Auth.js v5: signing in right after an unban the cache has not heard of', () => {
  const SECRET = `sign-in-${randomUUID()}`
  const BASE = 'http://localhost:3000/auth'
  const config = (cache: ReturnType<typeof setup>['cache']) => {
    const base: AuthConfig = {
      secret: SECRET,
      trustHost: true,
      basePath: '/auth',
      providers: [
        Credentials({
          credentials: { id: {} },
          authorize: async (c) => ({ id: String(c.id), email: 'u@example.com' }),
        }),
      ],
    }
    return withAuthjsValidation(base, cache)
  }

  async function signIn(authConfig: AuthConfig, id: string) {
    const csrf = await Auth(new Request(`${BASE}/csrf`), authConfig)
    const cookie = csrf.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ')
    const { csrfToken } = (await csrf.json()) as { csrfToken: string }
    const response = await Auth(
      new Request(`${BASE}/callback/credentials`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
        body: new URLSearchParams({ csrfToken, id }),
      }),
      authConfig,
    )
    const session = response.headers
      .getSetCookie()
      .find((c) => c.startsWith('authjs.session-token=') && !/Max-Age=0/i.test(c))
    return { status: response.status, location: response.headers.get('location'), session: session?.split(';')[0] }
  }

  it('signs the user in with a session that then reads as theirs', async () => {
    const ctx = setup()
    await cachedAsBannedThenUnbanned(ctx)
    const authConfig = config(ctx.cache)
    const result = await signIn(authConfig, ctx.id)
    expect(result.status).toBe(302)
    expect(result.session).toBeDefined()
    const session = await (
      await Auth(new Request(`${BASE}/session`, { headers: { cookie: result.session! } }), authConfig)
    ).json()
    expect(session).toMatchObject({ user: { id: ctx.id } })
  })

  it('refuses a user the store still bans with AccessDenied, not an error page', async () => {
    const ctx = setup()
    const result = await signIn(config(ctx.cache), ctx.id)
    expect(result.session).toBeUndefined()
    expect(result.location).toMatch(/error=AccessDenied/)
  })
})
