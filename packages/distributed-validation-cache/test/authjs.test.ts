import { randomUUID } from 'node:crypto'
import { Auth, type AuthConfig } from '@auth/core'
import Credentials from '@auth/core/providers/credentials'
import { encode } from '@auth/core/jwt'
import { describe, expect, it } from 'vitest'
import { createValidationCache } from '../src/cache.js'
import { authjsRequest } from '../src/next-auth/authjs-request.js'
import { withAuthjsValidation } from '../src/next-auth/with-authjs-validation.js'
import { memoryStore } from '../src/stores/memory.js'
import { FleetSource } from './support/fleet-source.js'

const SECRET = `authjs-${randomUUID()}`
const COOKIE = 'authjs.session-token'
const BASE = 'http://localhost:3000/auth'

/** Auth.js v5 request handling (@auth/core, what next-auth@5 runs), driven with real Requests. */
function setup() {
  const source = new FleetSource()
  const cache = createValidationCache({ source, store: memoryStore(), sourceTimeout: 200 })
  const passwords = new Map<string, string>()
  const base: AuthConfig = {
    secret: SECRET,
    trustHost: true,
    basePath: '/auth',
    providers: [
      Credentials({
        credentials: { email: {}, password: {} },
        authorize: async (c) => {
          const id = [...passwords].find(([, p]) => p === c.password)?.[0]
          return id ? { id, email: String(c.email) } : null
        },
      }),
    ],
  }
  const config = withAuthjsValidation(base, cache)
  const addUser = () => {
    const id = source.add(randomUUID())
    passwords.set(id, `pw-${id}`)
    return id
  }
  return { source, cache, config, addUser }
}

async function signIn(config: AuthConfig, id: string): Promise<string> {
  const csrf = await Auth(new Request(`${BASE}/csrf`), config)
  const csrfCookie = csrf.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const { csrfToken } = (await csrf.json()) as { csrfToken: string }
  const response = await Auth(
    new Request(`${BASE}/callback/credentials`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
      body: new URLSearchParams({ csrfToken, email: `${id}@example.com`, password: `pw-${id}` }),
    }),
    config,
  )
  const session = response.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`))
  expect(session, 'session cookie after sign-in').toBeDefined()
  return session!.split(';')[0]!
}

async function readSession(config: AuthConfig, cookie: string) {
  const response = await Auth(new Request(`${BASE}/session`, { headers: { cookie } }), config)
  return {
    status: response.status,
    body: (await response.json()) as { user?: { id?: string } } | null,
    cleared: response.headers
      .getSetCookie()
      .some((c) => c.startsWith(`${COOKIE}=`) && /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)),
  }
}

describe('Auth.js v5 through @auth/core', () => {
  it('signs in, exposes user.id, and ends the session (cookie cleared) once the user is banned', async () => {
    const { config, source, cache, addUser } = setup()
    const id = addUser()
    const cookie = await signIn(config, id)
    expect((await readSession(config, cookie)).body?.user?.id).toBe(id)
    source.update(id, { bannedUntil: Date.now() + 60_000 })
    await cache.refresh(id)
    const ended = await readSession(config, cookie)
    expect(ended.body).toBeNull()
    expect(ended.cleared).toBe(true)
  })

  it('revocation ends sessions signed in before it, and a new sign-in works', async () => {
    const { config, cache, addUser } = setup()
    const id = addUser()
    const before = await signIn(config, id)
    await new Promise((resolve) => setTimeout(resolve, 5))
    await cache.revoke(id)
    expect((await readSession(config, before)).body).toBeNull()
    const after = await signIn(config, id)
    expect((await readSession(config, after)).body?.user?.id).toBe(id)
  })

  it('keeps the session when the user source is unreachable (unavailable is not a verdict)', async () => {
    const { config, source, addUser } = setup()
    const id = addUser()
    const token = await encode({ token: { sub: id, dvc_signed_in_at: Date.now() }, secret: SECRET, salt: COOKIE })
    source.mode = 'throw'
    // Inside authjsProxy's request: the verdict is told to it, so it answers 503 instead of serving.
    const request: Parameters<typeof authjsRequest.run>[0] = {}
    const kept = await authjsRequest.run(request, () => readSession(config, `${COOKIE}=${token}`))
    expect(kept.body?.user?.id).toBe(id)
    expect(kept.cleared).toBe(false)
    expect(request.verdict).toBe('unavailable')
  })

  it('garbled, forged and expired cookies are no session, never an error', async () => {
    const { config, addUser } = setup()
    const id = addUser()
    const forged = await encode({ token: { sub: id }, secret: 'another-secret', salt: COOKIE })
    const expired = await encode({ token: { sub: id }, secret: SECRET, salt: COOKIE, maxAge: -60 })
    for (const value of ['garbage', forged, expired]) {
      const result = await readSession(config, `${COOKIE}=${value}`)
      expect(result.status).toBe(200)
      expect(result.body).toBeNull()
    }
  })
})
