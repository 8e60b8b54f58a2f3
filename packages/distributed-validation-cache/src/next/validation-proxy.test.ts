import { randomUUID } from 'node:crypto'
import { encode } from 'next-auth/jwt'
import { NextRequest } from 'next/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createValidationCache } from '../cache.js'
import { SIGNED_IN_AT } from '../next-auth/session-check.js'
import { memoryStore } from '../stores/memory.js'
import type { UserState } from '../user-state.js'
import { validationProxy } from './validation-proxy.js'
import { openVerdict } from './verdict-header.js'

const SECRET = 'proxy-test-secret-0123456789'

function setup() {
  const users = new Map<string, UserState>()
  let failing = false
  const cache = createValidationCache({
    store: memoryStore(),
    sourceTimeout: 100,
    source: {
      name: 'map',
      fetchUser: async (id) => {
        if (failing) throw new Error('user source down')
        return users.get(id) ?? null
      },
      setSessionsRevokedAt: async () => undefined,
    },
  })
  const proxy = validationProxy({ cache, secret: SECRET })
  const user = (state: Partial<UserState> = {}) => {
    const id = randomUUID()
    users.set(id, { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null, ...state })
    return id
  }
  return { proxy, user, fail: () => void (failing = true) }
}

const tokenFor = (sub: string) => encode({ token: { sub, [SIGNED_IN_AT]: Date.now() - 1_000 }, secret: SECRET })

async function request(path: string, sub?: string, extraCookies = ''): Promise<NextRequest> {
  const headers = new Headers()
  if (sub) headers.set('cookie', `next-auth.session-token=${await tokenFor(sub)}; other=1${extraCookies}`)
  return new NextRequest(new URL(path, 'http://app.test'), { headers })
}

const passedThrough = (response: Response) => response.headers.get('x-middleware-next') === '1'
// NextResponse.next({ request: { headers } }) forwards request headers as x-middleware-request-*.
const forwardedVerdict = (response: Response) => response.headers.get('x-middleware-request-x-dvc-verdict')
const forwardedCookies = (response: Response) => response.headers.get('x-middleware-request-cookie')
const clearsCookie = (response: Response) =>
  response.headers.getSetCookie().some((c) => /^next-auth\.session-token=;.*Max-Age=0/i.test(c))

describe('validationProxy', () => {
  it('lets requests without a session, and active users, through', async () => {
    const { proxy, user } = setup()
    const anonymous = await proxy(await request('/'))
    expect(passedThrough(anonymous)).toBe(true)
    expect(forwardedVerdict(anonymous)).toBeNull()
    const id = user()
    const req = await request('/dashboard', id)
    const active = await proxy(req)
    expect(passedThrough(active)).toBe(true)
    const raw = req.cookies.get('next-auth.session-token')!.value
    expect(await openVerdict(SECRET, forwardedVerdict(active), id, raw)).toMatchObject({
      valid: true,
      verdict: 'active',
      tier: 'source',
    })
  })

  it('seals the verdict to the subject and the very token it validated', async () => {
    const { proxy, user } = setup()
    const [id, other] = [user(), user()]
    const req = await request('/dashboard', id)
    const sealed = forwardedVerdict(await proxy(req))
    const raw = req.cookies.get('next-auth.session-token')!.value
    expect(await openVerdict(SECRET, sealed, other, raw)).toBeNull() // another user
    expect(await openVerdict(SECRET, sealed, id, await tokenFor(id))).toBeNull() // another session of the same user
    expect(await openVerdict('another-secret-0123456789', sealed, id, raw)).toBeNull()
    expect(await openVerdict(SECRET, 'active', id, raw)).toBeNull()
  })

  it('forwards only the session cookie it validated, chunks of the other name removed', async () => {
    const { proxy, user } = setup()
    const other = await tokenFor(user({ bannedUntil: Date.now() + 60_000 }))
    const response = await proxy(
      await request('/x', user(), `; __Secure-next-auth.session-token=${other}; __Secure-next-auth.session-token.0=a`),
    )
    expect(passedThrough(response)).toBe(true)
    const cookies = forwardedCookies(response)!
    expect(cookies).toMatch(/^next-auth\.session-token=[^;]+; other=1$/)
  })

  it('never forwards a verdict header the client made up', async () => {
    const { proxy } = setup()
    const spoofed = new NextRequest('http://app.test/api/me', { headers: { 'x-dvc-verdict': 'active' } })
    expect(forwardedVerdict(await proxy(spoofed))).toBeNull()
  })

  afterEach(() => void vi.unstubAllEnvs())

  it('reads the __Secure- cookie where next-auth does (NEXTAUTH_URL https), and clears it', async () => {
    vi.stubEnv('NEXTAUTH_URL', 'https://app.test')
    const { proxy, user } = setup()
    const token = await encode({ token: { sub: user({ deleted: true }), [SIGNED_IN_AT]: Date.now() }, secret: SECRET })
    const response = await proxy(
      new NextRequest('https://app.test/api/x', { headers: { cookie: `__Secure-next-auth.session-token=${token}` } }),
    )
    expect(response.status).toBe(401)
    expect(
      response.headers.getSetCookie().some((c) => /^__Secure-next-auth\.session-token=;.*Max-Age=0.*Secure/i.test(c)),
    ).toBe(true)
  })

  it('redirects a banned user on a page to /login and clears only the session cookie', async () => {
    const { proxy, user } = setup()
    const response = await proxy(await request('/dashboard', user({ bannedUntil: Date.now() + 60_000 })))
    expect(response.status).toBe(307)
    expect(response.headers.get('location')).toBe('http://app.test/login')
    expect(clearsCookie(response)).toBe(true)
    expect(response.headers.getSetCookie().some((c) => c.startsWith('other='))).toBe(false)
  })

  it('answers an API request 401 with the verdict, clearing the cookie', async () => {
    const { proxy, user } = setup()
    for (const [state, reason] of [
      [{ deleted: true }, 'deleted'],
      [{ sessionsRevokedAt: Date.now() }, 'revoked'],
    ] as const) {
      const response = await proxy(await request('/api/things', user(state)))
      expect(response.status).toBe(401)
      expect(await response.json()).toEqual({ error: 'session_invalid', reason })
      expect(clearsCookie(response)).toBe(true)
    }
    const missing = await proxy(await request('/api/things', randomUUID()))
    expect(await missing.json()).toEqual({ error: 'session_invalid', reason: 'missing' })
    const notAnId = await proxy(await request('/api/things', 'not-a-uuid'))
    expect(notAnId.status).toBe(401)
  })

  it('answers 503 and keeps the cookie while the user source is unreachable', async () => {
    const { proxy, user, fail } = setup()
    const id = user()
    fail()
    for (const path of ['/page', '/api/x']) {
      const response = await proxy(await request(path, id))
      expect(response.status).toBe(503)
      expect(response.headers.get('retry-after')).toBe('5')
      expect(clearsCookie(response)).toBe(false)
    }
  })
})
