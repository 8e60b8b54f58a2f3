import { randomUUID } from 'node:crypto'
import type { AuthOptions } from 'next-auth'
import type { JWT } from 'next-auth/jwt'
import { describe, expect, it } from 'vitest'
import { createValidationCache } from '../cache.js'
import { memoryStore } from '../stores/memory.js'
import type { UserState } from '../user-state.js'
import { SessionInvalidError, SIGNED_IN_AT } from './session-check.js'
import { withValidation } from './with-validation.js'
import { mapSource } from '../../test/support/map-source.js'

function setup(failing = false) {
  const users = new Map<string, UserState>()
  const cache = createValidationCache({
    store: memoryStore(),
    sourceTimeout: 100,
    source: {
      name: 'map',
      fetchUser: async (id) => (failing ? Promise.reject(new Error('down')) : (users.get(id) ?? null)),
      setSessionsRevokedAt: async () => undefined,
    },
  })
  const base: AuthOptions = {
    providers: [],
    callbacks: { jwt: ({ token, user }) => (user ? { ...token, role: 'admin' } : token) },
  }
  const options = withValidation(base, cache)
  const add = (state: Partial<UserState> = {}) => {
    const id = randomUUID()
    users.set(id, { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null, ...state })
    return id
  }
  const jwt = (token: JWT, user?: { id: string }) =>
    options.callbacks!.jwt!({ token, user: user as never, account: null } as never)
  return { options, add, jwt }
}

describe('withValidation (next-auth v4)', () => {
  it('stamps the sign-in time in milliseconds, keeps the app callback, and forces JWT sessions', async () => {
    const { options, add, jwt } = setup()
    const id = add()
    const before = Date.now()
    const token = (await jwt({ sub: id }, { id })) as JWT
    expect(token[SIGNED_IN_AT]).toBeGreaterThanOrEqual(before)
    expect(token.role).toBe('admin')
    expect(options.session?.strategy).toBe('jwt')
  })

  it('throws SessionInvalidError (next-auth then clears the cookie) for an invalid verdict', async () => {
    const { add, jwt } = setup()
    const banned = add({ bannedUntil: Date.now() + 60_000 })
    await expect(jwt({ sub: banned, [SIGNED_IN_AT]: Date.now() })).rejects.toBeInstanceOf(SessionInvalidError)
    const revoked = add({ sessionsRevokedAt: Date.now() })
    await expect(jwt({ sub: revoked, [SIGNED_IN_AT]: Date.now() - 60_000 })).rejects.toMatchObject({
      verdict: 'revoked',
    })
  })

  it('keeps the token when the user source is unreachable', async () => {
    const { jwt } = setup(true)
    const token = { sub: randomUUID(), [SIGNED_IN_AT]: Date.now() }
    expect(await jwt(token)).toEqual(token)
  })

  it('adds user.id to the session', async () => {
    const { options } = setup()
    const session = await options.callbacks!.session!({
      session: { user: { email: 'a@b.c' }, expires: '' },
      token: { sub: 'abc' },
    } as never)
    expect(session.user).toEqual({ email: 'a@b.c', id: 'abc' })
  })
})

describe('the sign-in claim is ours, whatever the app callback does', () => {
  it('survives a callback that rebuilds the token, and cannot be forged through update()', async () => {
    const source = mapSource()
    const users = source.users
    const cache = createValidationCache({ store: memoryStore(), source })
    const id = randomUUID()
    const signedInAt = Date.now() - 60_000
    users.set(id, { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: signedInAt + 1_000 }) // revoked after this sign-in
    // A common app callback: rebuilds the token (dropping unknown claims), or merges a client update().
    const options = withValidation(
      {
        providers: [],
        callbacks: {
          jwt: ({ token, trigger, session }) => (trigger === 'update' ? { ...token, ...session } : { sub: token.sub }),
        },
      },
      cache,
    )
    const jwt = (params: object) => options.callbacks!.jwt!({ account: null, ...params } as never)
    await expect(jwt({ token: { sub: id, [SIGNED_IN_AT]: signedInAt } })).rejects.toMatchObject({ verdict: 'revoked' })
    await expect(
      jwt({ token: { sub: id, [SIGNED_IN_AT]: signedInAt }, trigger: 'update', session: { [SIGNED_IN_AT]: 9e15 } }),
    ).rejects.toMatchObject({ verdict: 'revoked' })
    const later = { sub: id, [SIGNED_IN_AT]: signedInAt + 2_000 } // a session from after the revocation stays valid through the rebuild
    expect(((await jwt({ token: later })) as JWT)[SIGNED_IN_AT]).toBe(signedInAt + 2_000)
  })
})
