import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../../../packages/distributed-validation-cache/test/support/redis-server.js'
import {
  postgresAvailable,
  redisAvailable,
} from '../../../packages/distributed-validation-cache/test/support/services.js'
import { SECRETS, startAppFleet } from './app-fleet.js'
import { signIn, type AppInstance } from './app-instance.js'

const servicesUp = (await redisAvailable()) && (await postgresAvailable())

/**
 * Issue 10: a process that was frozen knows it. `next start` instance B is SIGSTOPped for 5 s
 * while a user is banned through A; a request already queued to B wakes it. Neither that request
 * nor any later one may be answered from B's copy from before the freeze (TTL 60 s here).
 */
describe.skipIf(!servicesUp)('demo-web: an instance frozen while a user is banned', () => {
  let fleet: Awaited<ReturnType<typeof startAppFleet>>
  let a: AppInstance
  let b: AppInstance
  beforeAll(async () => {
    fleet = await startAppFleet(2, ['frozen-ban'], { VALIDATION_CACHE_TTL: '60 s' })
    ;[a, b] = fleet.apps as [AppInstance, AppInstance]
  })
  afterAll(() => fleet?.stop())

  it('the request queued during the freeze and every later one refuse the banned user', async () => {
    const user = fleet.users.get('frozen-ban')!
    const cookie = (await signIn(a.url, user.email, user.password))!
    const me = () => fetch(`${b.url}/api/me`, { headers: { cookie } })
    expect((await me()).status).toBe(200) // in B's L1 now
    b.freeze()
    try {
      const frozenAt = performance.now()
      await fleet.db.sql`update auth.users set banned_until = now() + interval '1 hour' where id = ${user.id}`
      const hook = await fetch(`${a.url}/api/validation/webhook`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SECRETS.webhook}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'UPDATE',
          table: 'users',
          schema: 'auth',
          record: { id: user.id },
          old_record: { id: user.id },
        }),
      })
      expect(hook.status).toBe(200)
      const queued = me() // reaches B's socket while B is frozen
      await waitFor(() => performance.now() - frozenAt > 5_000, {
        timeoutMs: 8_000,
        intervalMs: 100,
        what: 'five seconds frozen',
      })
      b.thaw()
      expect((await queued).status).toBe(401)
      for (let i = 0; i < 5; i++) expect((await me()).status).toBe(401)
    } finally {
      b.thaw()
    }
  }, 30_000)
})
