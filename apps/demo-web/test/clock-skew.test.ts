import { fileURLToPath } from 'node:url'
import { installTriggers } from 'distributed-validation-cache/setup'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../../../packages/distributed-validation-cache/test/support/redis-server.js'
import {
  postgresAvailable,
  redisAvailable,
} from '../../../packages/distributed-validation-cache/test/support/services.js'
import { startAppFleet } from './app-fleet.js'
import { signIn, type AppInstance } from './app-instance.js'

const servicesUp = (await redisAvailable()) && (await postgresAvailable())
const SHIFT = fileURLToPath(
  new URL('../../../packages/distributed-validation-cache/test/support/shift-clock.mjs', import.meta.url),
)
const SKEW_MS = 30_000

/**
 * Issue 12, one clock: two `next start` instances whose clocks run 30 s ahead and 30 s behind
 * (Date and performance.timeOrigin shifted at process start, as faketime would). Bans and
 * revocations are judged on the database's clock, which both read with every lookup.
 */
describe.skipIf(!servicesUp)('demo-web: instances with clocks 30 s ahead and 30 s behind', () => {
  let fleet: Awaited<ReturnType<typeof startAppFleet>>
  let ahead: AppInstance
  let behind: AppInstance
  beforeAll(async () => {
    const shifted = (ms: number) => ({ NODE_OPTIONS: `--import=${SHIFT}`, CLOCK_SHIFT_MS: String(ms) })
    fleet = await startAppFleet(2, ['skew-ban', 'skew-revoke'], {}, [shifted(SKEW_MS), shifted(-SKEW_MS)])
    ;[ahead, behind] = fleet.apps as [AppInstance, AppInstance]
    await installTriggers(fleet.db.run, 'dvc:')
  })
  afterAll(() => fleet?.stop())

  const login = async (name: string, app: AppInstance) => {
    const user = fleet.users.get(name)!
    return { id: user.id, cookie: (await signIn(app.url, user.email, user.password))! }
  }
  const statuses = (cookie: string) =>
    Promise.all([ahead, behind].map(async (app) => (await fetch(`${app.url}/api/me`, { headers: { cookie } })).status))

  it('a 4 s ban holds 4 s on both: not over at once ahead, not 30 s late behind', async () => {
    const { id, cookie } = await login('skew-ban', ahead)
    expect(await statuses(cookie)).toEqual([200, 200])
    await fleet.db.run("update auth.users set banned_until = now() + interval '4 seconds' where id = $1", [id])
    const bannedAt = performance.now()
    await waitFor(async () => (await statuses(cookie)).every((s) => s === 401), {
      timeoutMs: 3_000,
      what: 'the ban on both instances',
    })
    // Through the first 3 s of the ban: an instance 30 s ahead, judging on its own clock, would let the user in.
    while (performance.now() - bannedAt < 3_000) expect(await statuses(cookie)).toEqual([401, 401])
    await waitFor(async () => (await statuses(cookie)).every((s) => s === 200), {
      timeoutMs: 10_000,
      intervalMs: 100,
      what: 'the ban to end on both instances',
    })
    const endedAfter = Math.round(performance.now() - bannedAt)
    console.log(`a 4 s ban by SQL ended after ${endedAfter} ms on both instances (clocks ±${SKEW_MS / 1000} s)`)
    expect(endedAfter).toBeGreaterThanOrEqual(3_500)
  })

  it('a session signed in ahead is refused after a revoke() made behind', async () => {
    const { id, cookie } = await login('skew-revoke', ahead)
    const admin = (await signIn(behind.url, 'alice@example.com', 'alice-demo-password'))!
    expect(await statuses(cookie)).toEqual([200, 200])
    const revoke = await fetch(`${behind.url}/api/admin/users/${id}/revoke`, {
      method: 'POST',
      headers: { cookie: admin, origin: behind.url },
    })
    expect(await revoke.json()).toMatchObject({ action: 'revoke', cache: 'updated' })
    // On their own clocks the session was signed 60 s after the revocation, and would survive it.
    await waitFor(async () => (await statuses(cookie)).every((s) => s === 401), {
      timeoutMs: 3_000,
      what: 'the revocation on both instances',
    })
  })
})
