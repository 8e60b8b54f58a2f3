import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createValidationCache } from '../src/cache.js'
import { authorizeWithSupabase } from '../src/sources/supabase-sign-in.js'
import { supabaseSource } from '../src/sources/supabase.js'
import { memoryStore } from '../src/stores/memory.js'
import { FakeGoTrue, type Behaviour } from './support/gotrue.js'
import { freePort } from './support/redis-server.js'

const KEY = `service-role-${randomUUID()}`

describe('supabase source against a GoTrue-shaped admin API', () => {
  let gotrue: FakeGoTrue
  let source: ReturnType<typeof supabaseSource>
  beforeAll(async () => {
    gotrue = await new FakeGoTrue(KEY).start()
    source = supabaseSource({ url: gotrue.url, serviceRoleKey: KEY, timeoutMs: 300 })
  })
  afterAll(() => gotrue.stop())
  const addUser = (
    fields: Partial<{ banned_until: string; deleted_at: string; app_metadata: Record<string, unknown> }> = {},
  ) => {
    const id = randomUUID()
    gotrue.users.set(id, { id, email: `${id}@example.com`, app_metadata: { provider: 'email' }, ...fields })
    return id
  }
  const behave = (behaviour: Behaviour) => {
    const id = addUser()
    gotrue.behaviours.set(id, behaviour)
    return id
  }
  const verdictOf = async (id: string) => {
    const cache = createValidationCache({ source, store: memoryStore(), sourceTimeout: 2_000 })
    const result = await cache.validate(id, { issuedAt: Date.now() - 1_000 })
    await cache.close()
    return result.verdict
  }

  it('calls GET /auth/v1/admin/users/{id} with the service-role key as apikey and bearer', async () => {
    const id = addUser()
    expect(await source.fetchUser(id, AbortSignal.timeout(2_000))).toEqual({
      exists: true,
      deleted: false,
      bannedUntil: null,
      sessionsRevokedAt: null,
    })
    expect(gotrue.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: `/auth/v1/admin/users/${id}`,
      apikey: KEY,
      authorization: `Bearer ${KEY}`,
    })
  })

  it.each([
    ['a normal user', 'active', () => addUser()],
    [
      'a future banned_until',
      'banned',
      () => addUser({ banned_until: new Date(Date.now() + 3_600_000).toISOString() }),
    ],
    [
      'a past banned_until (the ban is over)',
      'active',
      () => addUser({ banned_until: new Date(Date.now() - 3_600_000).toISOString() }),
    ],
    ['a soft-deleted user (deleted_at set)', 'deleted', () => addUser({ deleted_at: new Date().toISOString() })],
    ['404 user_not_found, current body', 'missing', () => behave({ kind: 'not-found', format: 'current' })],
    ['404 user_not_found, legacy body', 'missing', () => behave({ kind: 'not-found', format: 'legacy' })],
    [
      '401 (wrong key)',
      'unavailable',
      () => behave({ kind: 'status', status: 401, body: { code: 'bad_jwt', message: 'invalid JWT' } }),
    ],
    [
      '403 (not an admin key)',
      'unavailable',
      () => behave({ kind: 'status', status: 403, body: { code: 'not_admin', message: 'User not allowed' } }),
    ],
    [
      '404 that is not user_not_found (wrong URL)',
      'unavailable',
      () => behave({ kind: 'status', status: 404, body: { code: 404, msg: 'Not Found' } }),
    ],
    [
      '429 over_request_rate_limit',
      'unavailable',
      () =>
        behave({
          kind: 'status',
          status: 429,
          body: { code: 'over_request_rate_limit', message: 'Request rate limit reached' },
        }),
    ],
    [
      '500',
      'unavailable',
      () =>
        behave({ kind: 'status', status: 500, body: { code: 'unexpected_failure', message: 'Internal Server Error' } }),
    ],
    ['a hang past the timeout', 'unavailable', () => behave({ kind: 'hang' })],
  ] as const)('%s → %s', async (_, verdict, make) => {
    expect(await verdictOf(make())).toBe(verdict)
  })

  it('connection refused → unavailable, never missing', async () => {
    const offline = supabaseSource({ url: `http://127.0.0.1:${await freePort()}`, serviceRoleKey: KEY, timeoutMs: 300 })
    await expect(offline.fetchUser(randomUUID(), AbortSignal.timeout(2_000))).rejects.toMatchObject({
      name: 'AuthRetryableFetchError',
    })
    const cache = createValidationCache({ source: offline, store: memoryStore() })
    expect((await cache.validate(randomUUID())).verdict).toBe('unavailable')
  })

  it('reads the role from app_metadata, never from user_metadata', async () => {
    const admin = addUser({ app_metadata: { provider: 'email', role: 'admin' } })
    expect((await source.fetchUser(admin, AbortSignal.timeout(2_000)))?.role).toBe('admin')
    const self = addUser()
    gotrue.users.get(self)!.user_metadata = { role: 'admin' }
    expect((await source.client.auth.admin.getUserById(self)).data.user?.user_metadata).toEqual({ role: 'admin' })
    expect(await source.fetchUser(self, AbortSignal.timeout(2_000))).not.toHaveProperty('role')
  })

  it('a user-editable "ban" in user_metadata is ignored', async () => {
    const id = addUser()
    gotrue.users.get(id)!.user_metadata = { banned_until: '2999-01-01T00:00:00Z' }
    // The planted ban really reaches the client (supabase-js hands user_metadata through)…
    const { data } = await source.client.auth.admin.getUserById(id)
    expect(data.user?.user_metadata).toEqual({ banned_until: '2999-01-01T00:00:00Z' })
    expect(await verdictOf(id)).toBe('active') // …and the source ignores it
  })

  it('persists revocation in app_metadata through PUT, keeping the other keys, and reads it back', async () => {
    const id = addUser({ app_metadata: { provider: 'email', role: 'admin' } })
    const at = Date.now() - 500
    await source.setSessionsRevokedAt(id, at, AbortSignal.timeout(2_000))
    expect(gotrue.requests.at(-1)).toMatchObject({
      method: 'PUT',
      path: `/auth/v1/admin/users/${id}`,
      body: { app_metadata: { sessions_revoked_at: new Date(at).toISOString() } },
    })
    expect(gotrue.users.get(id)!.app_metadata).toEqual({
      provider: 'email',
      role: 'admin',
      sessions_revoked_at: new Date(at).toISOString(),
    })
    expect((await source.fetchUser(id, AbortSignal.timeout(2_000)))?.sessionsRevokedAt).toBe(at)

    const cache = createValidationCache({ source, store: memoryStore() })
    await cache.restore(id)
    expect(gotrue.users.get(id)!.app_metadata.sessions_revoked_at).toBeNull()
    await cache.revoke(id)
    expect((await cache.validate(id, { issuedAt: at })).verdict).toBe('revoked')
    await cache.close()
  })

  it('a failed revocation write is an error, not a silent success', async () => {
    const id = behave({ kind: 'status', status: 500, body: { code: 'unexpected_failure', message: 'boom' } })
    await expect(source.setSessionsRevokedAt(id, Date.now(), AbortSignal.timeout(2_000))).rejects.toThrow()
  })

  it('signs in through the password grant with the anon key, refusing wrong passwords and banned users', async () => {
    const authorize = authorizeWithSupabase({ url: gotrue.url, anonKey: gotrue.anonKey })
    const id = addUser({ app_metadata: { provider: 'email', role: 'admin' } })
    const banned = addUser({ banned_until: new Date(Date.now() + 60_000).toISOString() })
    gotrue.passwords.set(id, 'right').set(banned, 'right')
    expect(await authorize({ email: `${id}@example.com`, password: 'right' })).toEqual({
      id,
      email: `${id}@example.com`,
      role: 'admin',
    })
    expect(await authorize({ email: `${id}@example.com`, password: 'wrong' })).toBeNull()
    expect(await authorize({ email: `${banned}@example.com`, password: 'right' })).toBeNull()
    expect(await authorize({ email: '', password: '' })).toBeNull()
    expect(await authorize(undefined)).toBeNull()
  })
})
