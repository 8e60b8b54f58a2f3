import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createValidationCache } from './cache.js'
import { memoryStore } from './stores/memory.js'
import type { UserSource } from './sources/user-source.js'
import type { UserState } from './user-state.js'

/** What the cache does with odd input from callers, sources and listeners. */
function setup(
  overrides: Partial<UserSource> = {},
  options: Parameters<typeof createValidationCache>[0] extends infer O ? Partial<O> : never = {},
) {
  const users = new Map<string, UserState>()
  let queries = 0
  const source: UserSource = {
    name: 'map',
    fetchUser: async (id) => (queries++, users.get(id) ?? null),
    setSessionsRevokedAt: async (id, at) => void users.set(id, { ...users.get(id)!, sessionsRevokedAt: at }),
    ...overrides,
  }
  const cache = createValidationCache({ source, store: memoryStore(), ...options })
  const add = (state: Partial<UserState> = {}) => {
    const id = randomUUID()
    users.set(id, { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null, ...state })
    return id
  }
  return { cache, users, add, queries: () => queries }
}

describe('session issue times', () => {
  it.each([
    ['NaN', Number.NaN],
    ['an invalid Date', new Date('garbage')],
    ['undefined', undefined],
  ])('treats %s as unknown: a revocation covers it', async (_, issuedAt) => {
    const { cache, add } = setup()
    const user = add({ sessionsRevokedAt: Date.now() - 1_000 })
    expect((await cache.validate(user, { issuedAt })).verdict).toBe('revoked')
  })

  it('rejects revoke() with an invalid time instead of persisting NaN', async () => {
    const { cache, add, users } = setup()
    const user = add()
    await expect(cache.revoke(user, new Date('garbage'))).rejects.toThrow(/valid Date/)
    expect(users.get(user)!.sessionsRevokedAt).toBeNull()
  })
})

describe('user id spelling', () => {
  it('treats an upper-case UUID as the same user: revoking one spelling revokes the other', async () => {
    const { cache, add } = setup()
    const user = add()
    const issuedAt = Date.now() - 1_000
    expect((await cache.validate(user, { issuedAt })).verdict).toBe('active')
    await cache.revoke(user.toUpperCase())
    expect((await cache.validate(user, { issuedAt })).verdict).toBe('revoked')
    expect((await cache.validate(user.toUpperCase(), { issuedAt })).verdict).toBe('revoked')
  })
})

describe('what sources and listeners get wrong', () => {
  it.each([
    ['undefined', undefined],
    [
      'a bannedUntil string',
      { exists: true, deleted: false, bannedUntil: '2999-01-01T00:00:00Z', sessionsRevokedAt: null },
    ],
    ['a missing flag', { exists: true, bannedUntil: null, sessionsRevokedAt: null }],
  ])('a source answering %s is a source error (unavailable), never a verdict', async (_, answer) => {
    const { cache } = setup({ fetchUser: async () => answer as UserState })
    const result = await cache.validate(randomUUID())
    expect(result).toMatchObject({ verdict: 'unavailable', valid: false })
    expect(cache.stats().source.errors).toBe(1)
  })

  it('an onEvent listener that throws changes nothing', async () => {
    const heard: string[] = []
    const { cache, add } = setup(
      {},
      {
        onEvent: (event) => {
          heard.push(event.type)
          throw new Error('listener bug')
        },
      },
    )
    const user = add()
    expect(await cache.validate(user)).toMatchObject({ verdict: 'active', tier: 'source' })
    expect(await cache.validate(user)).toMatchObject({ verdict: 'active', tier: 'l1' })
    // It was called — for the query and both validations — and counting went on regardless.
    expect(heard.filter((t) => t === 'validation')).toHaveLength(2)
    expect(heard).toContain('source-query')
    expect(cache.stats().validations.total).toBe(2)
  })

  it('a user source that hangs on revoke() gives a RevocationError after the source timeout', async () => {
    const { cache, add } = setup(
      {
        setSessionsRevokedAt: (_, __, signal) =>
          new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted')))),
      },
      { sourceTimeout: 50 },
    )
    await expect(cache.revoke(add())).rejects.toMatchObject({ name: 'RevocationError', reason: 'timeout' })
  })
})

describe('L1 trust without broadcasts', () => {
  it('defaults to a 1 s L1 TTL when not subscribed (serverless), and to the TTL when listening', async () => {
    expect(setup({}, { subscribe: false }).cache.stats().l1.ttlMs).toBe(1_000)
    const listening = setup().cache
    await listening.ready()
    expect(listening.stats().l1.ttlMs).toBe(300_000)
    expect(setup({}, { subscribe: false, l1Ttl: '5 s' }).cache.stats().l1.ttlMs).toBe(5_000)
  })
})
