import { describe, expect, it } from 'vitest'
import { decide, interned, isNegative, MISSING_USER, type UserState } from './user-state.js'

const NOW = 1_700_000_000_000
const active: UserState = { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null }
const user = (patch: Partial<UserState>): UserState => ({ ...active, ...patch })

describe('decide', () => {
  it('missing when the user does not exist, whatever else is set', () => {
    expect(decide(MISSING_USER, NOW, NOW)).toBe('missing')
    expect(decide(user({ exists: false, deleted: true, bannedUntil: NOW + 1 }), NOW, NOW)).toBe('missing')
  })

  it('deleted wins over banned and revoked', () => {
    expect(decide(user({ deleted: true }), NOW, NOW)).toBe('deleted')
    expect(decide(user({ deleted: true, bannedUntil: NOW + 60_000, sessionsRevokedAt: NOW + 1 }), NOW, NOW)).toBe(
      'deleted',
    )
  })

  it('banned only while bannedUntil is in the future', () => {
    expect(decide(user({ bannedUntil: NOW + 1 }), NOW, NOW)).toBe('banned')
    expect(decide(user({ bannedUntil: NOW + 1 }), NOW, NOW + 1)).toBe('active') // the ban ends at bannedUntil
    expect(decide(user({ bannedUntil: NOW - 60_000 }), NOW, NOW)).toBe('active')
  })

  it('banned wins over revoked', () => {
    expect(decide(user({ bannedUntil: NOW + 1, sessionsRevokedAt: NOW }), NOW - 1, NOW)).toBe('banned')
  })

  it('revoked when the session was issued before the revocation', () => {
    expect(decide(user({ sessionsRevokedAt: NOW }), NOW - 1, NOW)).toBe('revoked')
    expect(decide(user({ sessionsRevokedAt: NOW }), 0, NOW)).toBe('revoked')
  })

  it('revoked when the issue time is unknown and there was a revocation', () => {
    expect(decide(user({ sessionsRevokedAt: NOW - 86_400_000 }), undefined, NOW)).toBe('revoked')
  })

  it('active when the session was issued at or after the revocation', () => {
    expect(decide(user({ sessionsRevokedAt: NOW }), NOW, NOW)).toBe('active')
    expect(decide(user({ sessionsRevokedAt: NOW }), NOW + 5_000, NOW + 10_000)).toBe('active')
  })

  it('active without any revocation, even with an unknown issue time', () => {
    expect(decide(active, undefined, NOW)).toBe('active')
    expect(decide(active, NOW, NOW)).toBe('active')
  })
})

describe('isNegative', () => {
  it('is true for missing, deleted and currently banned users', () => {
    expect(isNegative(MISSING_USER, NOW)).toBe(true)
    expect(isNegative(user({ deleted: true }), NOW)).toBe(true)
    expect(isNegative(user({ bannedUntil: NOW + 1 }), NOW)).toBe(true)
  })

  it('is false for active, past-banned and revoked users (revocation depends on the session)', () => {
    expect(isNegative(active, NOW)).toBe(false)
    expect(isNegative(user({ bannedUntil: NOW }), NOW)).toBe(false)
    expect(isNegative(user({ bannedUntil: NOW - 1 }), NOW)).toBe(false)
    expect(isNegative(user({ sessionsRevokedAt: NOW }), NOW)).toBe(false)
  })

  it('MISSING_USER is frozen', () => {
    expect(Object.isFrozen(MISSING_USER)).toBe(true)
  })
})

describe('interned', () => {
  it('shares one frozen object for plain active and plain missing users', () => {
    const a = interned({ ...active })
    expect(a).toBe(interned({ ...active }))
    expect(a).toEqual(active)
    expect(Object.isFrozen(a)).toBe(true)
    expect(interned({ ...MISSING_USER })).toBe(MISSING_USER)
  })

  it('shares one frozen object per role for active users with a role', () => {
    const admin = interned(user({ role: 'admin' }))
    expect(admin).toBe(interned(user({ role: 'admin' })))
    expect(admin).toEqual(user({ role: 'admin' }))
    expect(Object.isFrozen(admin)).toBe(true)
    expect(interned(user({ role: null }))).toBe(interned({ ...active }))
  })

  it('keeps any state that carries more than that, unchanged', () => {
    for (const state of [
      user({ bannedUntil: NOW }),
      user({ sessionsRevokedAt: NOW }),
      user({ deleted: true }),
      user({ exists: false, deleted: true }),
    ]) {
      expect(interned(state)).toBe(state)
    }
  })
})
