import { describe, expect, it, onTestFinished } from 'vitest'
import { createValidationCache } from './cache.js'
import type { CacheEvent } from './events.js'
import { mapSource } from '../test/support/map-source.js'

const ACTIVE = '00000000-0000-4000-8000-0000000000a1'
const REVOKED = '00000000-0000-4000-8000-0000000000a2'
const HOUR = 3_600_000

/** The L1 hit at its floor (issue 17, item 5) must still answer exactly what a judged hit would. */
describe('an L1 hit', () => {
  function setup() {
    const source = mapSource()
    const revokedAt = Date.now() - HOUR
    source.users.set(ACTIVE, { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null })
    source.users.set(REVOKED, { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: revokedAt })
    source.setSessionsRevokedAt = async (id, at) =>
      void source.users.set(id, { ...source.users.get(id)!, sessionsRevokedAt: at })
    const events: CacheEvent[] = []
    const cache = createValidationCache({ source, onEvent: (e) => void events.push(e) })
    onTestFinished(() => cache.close())
    return { cache, events, revokedAt }
  }

  it('of a user active for every session is one frozen answer, counted and reported each time', async () => {
    const { cache, events } = setup()
    await cache.validate(ACTIVE)
    const [a, b] = [await cache.validate(ACTIVE), await cache.validate(ACTIVE, { issuedAt: 0 })]
    expect(a).toBe(b)
    expect(Object.isFrozen(a)).toBe(true)
    expect(a).toMatchObject({ valid: true, verdict: 'active', tier: 'l1' })
    expect(cache.stats().validations.byTier.l1).toBe(2)
    expect(events.filter((e) => e.type === 'validation' && e.tier === 'l1')).toHaveLength(2)
    await cache.validate(ACTIVE, { record: false })
    expect(cache.stats().validations.total).toBe(3) // a look that is not a request is not counted
  })

  it('of a user with a revocation is judged per session, every time', async () => {
    const { cache, revokedAt } = setup()
    expect((await cache.validate(REVOKED, { issuedAt: revokedAt - 1 })).verdict).toBe('revoked')
    expect((await cache.validate(REVOKED, { issuedAt: revokedAt + 1 })).verdict).toBe('active')
    expect((await cache.validate(REVOKED, { issuedAt: new Date(revokedAt - 1) })).verdict).toBe('revoked')
    expect((await cache.validate(REVOKED)).tier).toBe('l1')
  })

  it('after a revocation is a new answer: the memo went with the old entry', async () => {
    const { cache } = setup()
    const before = await cache.validate(ACTIVE, { issuedAt: Date.now() - HOUR })
    await cache.revoke(ACTIVE)
    const after = await cache.validate(ACTIVE, { issuedAt: Date.now() - HOUR })
    expect(before.verdict).toBe('active')
    expect(after.verdict).toBe('revoked')
  })
})
