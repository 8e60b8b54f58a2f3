import { randomUUID } from 'node:crypto'
import { Auth, type AuthConfig } from '@auth/core'
import { encode } from '@auth/core/jwt'
import type { JWT } from 'next-auth/jwt'
import { describe, expect, it } from 'vitest'
import { createValidationCache } from '../src/cache.js'
import { SIGNED_IN_AT } from '../src/next-auth/session-check.js'
import { withAuthjsValidation } from '../src/next-auth/with-authjs-validation.js'
import { withValidation } from '../src/next-auth/with-validation.js'
import { memoryStore } from '../src/stores/memory.js'
import { FleetSource } from './support/fleet-source.js'

type Token = Record<string, unknown>
/** The shapes an app's jwt callback takes in the field, each handed a client's update() data. */
const CALLBACKS: Record<string, (p: { token: Token; session?: unknown; trigger?: string }) => Token> = {
  // The common merge: the decoded token object itself, mutated in place.
  mutating: ({ token, session, trigger }) => (trigger === 'update' ? Object.assign(token, session) : token),
  spreading: ({ token, session, trigger }) => (trigger === 'update' ? { ...token, ...(session as Token) } : token),
  rebuilding: ({ token, session, trigger }) => ({
    sub: token.sub,
    ...(trigger === 'update' ? (session as Token) : {}),
  }),
}
const FORGED = { [SIGNED_IN_AT]: 9e15 }

function setup() {
  const source = new FleetSource()
  const cache = createValidationCache({ source, store: memoryStore(), sourceTimeout: 500 })
  const id = source.add(randomUUID())
  const other = source.add(randomUUID())
  const signedInAt = Date.now() - 60_000
  return { source, cache, id, other, signedInAt }
}

/**
 * A client's update() must never move the sign-in claim, whatever the app's jwt callback does
 * with the data: that claim is what a revocation compares with. next-auth v4 (callbacks, as
 * next-auth calls them) and Auth.js v5 (a real POST /session through @auth/core).
 */
describe.each(Object.keys(CALLBACKS))('the sign-in claim with a %s jwt callback', (shape) => {
  it('next-auth v4: update() data cannot forge it, before or after a revoke()', async () => {
    const { source, cache, id, signedInAt } = setup()
    const options = withValidation({ providers: [], callbacks: { jwt: CALLBACKS[shape] as never } }, cache)
    const jwt = (params: object) => options.callbacks!.jwt!({ account: null, ...params } as never) as Promise<JWT>
    const updated = await jwt({ token: { sub: id, [SIGNED_IN_AT]: signedInAt }, trigger: 'update', session: FORGED })
    expect(updated[SIGNED_IN_AT]).toBe(signedInAt) // what next-auth signs into the cookie
    source.update(id, { sessionsRevokedAt: Date.now() })
    await cache.refresh(id)
    await expect(
      jwt({ token: { sub: id, [SIGNED_IN_AT]: signedInAt }, trigger: 'update', session: FORGED }),
    ).rejects.toMatchObject({ verdict: 'revoked' })
    await expect(jwt({ token: updated })).rejects.toMatchObject({ verdict: 'revoked' })
  })

  it('next-auth v4: update() data cannot change whose session it is', async () => {
    const { cache, id, other, signedInAt } = setup()
    const options = withValidation({ providers: [], callbacks: { jwt: CALLBACKS[shape] as never } }, cache)
    const jwt = (params: object) => options.callbacks!.jwt!({ account: null, ...params } as never) as Promise<JWT>
    const result = jwt({ token: { sub: id, [SIGNED_IN_AT]: signedInAt }, trigger: 'update', session: { sub: other } })
    await expect(result).rejects.toMatchObject({ verdict: 'missing' })
  })

  it('Auth.js v5: a POST /session update cannot forge it, and the revoked cookie stays dead', async () => {
    const { source, cache, id, other, signedInAt } = setup()
    const config: AuthConfig = withAuthjsValidation(
      {
        secret: SECRET,
        trustHost: true,
        basePath: '/auth',
        providers: [],
        callbacks: { jwt: CALLBACKS[shape] as never },
      },
      cache,
    )
    const cookie = `${COOKIE}=${await encode({ token: { sub: id, [SIGNED_IN_AT]: signedInAt }, secret: SECRET, salt: COOKIE })}`
    const forged = await update(config, cookie, FORGED)
    expect(forged.status).toBe(200)
    const reissued = forged.cookie ?? cookie
    source.update(id, { sessionsRevokedAt: Date.now() })
    await cache.refresh(id)
    expect(await session(config, reissued)).toBeNull()
    expect((await update(config, cookie, FORGED)).body).toBeNull()
    expect(
      (
        await update(
          config,
          `${COOKIE}=${await encode({ token: { sub: other, [SIGNED_IN_AT]: Date.now() }, secret: SECRET, salt: COOKIE })}`,
          { sub: id },
        )
      ).body,
    ).toBeNull()
  })
})

const SECRET = `claim-${randomUUID()}`
const COOKIE = 'authjs.session-token'
const BASE = 'http://localhost:3000/auth'

async function csrf(config: AuthConfig) {
  const response = await Auth(new Request(`${BASE}/csrf`), config)
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  return { cookie, token: ((await response.json()) as { csrfToken: string }).csrfToken }
}

/** What `useSession().update(data)` sends: POST /session with the CSRF token and `data`. */
async function update(config: AuthConfig, cookie: string, data: unknown) {
  const { cookie: csrfCookie, token } = await csrf(config)
  const response = await Auth(
    new Request(`${BASE}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `${cookie}; ${csrfCookie}` },
      body: JSON.stringify({ csrfToken: token, data }),
    }),
    config,
  )
  const set = response.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`) && !/Max-Age=0/i.test(c))
  return {
    status: response.status,
    body: (await response.json()) as { user?: unknown } | null,
    cookie: set?.split(';')[0],
  }
}

async function session(config: AuthConfig, cookie: string) {
  return (await Auth(new Request(`${BASE}/session`, { headers: { cookie } }), config)).json()
}
