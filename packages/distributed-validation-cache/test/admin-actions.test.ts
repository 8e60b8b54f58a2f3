import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAdminAction } from '../src/admin/admin-actions.js'
import { sqlUserAdmin } from '../src/admin/user-admin.js'
import { createValidationCache } from '../src/cache.js'
import { migrateAuthSchema } from '../src/setup/auth-schema.js'
import { postgresSource } from '../src/sources/postgres.js'
import { sqlSource, type SqlRunner } from '../src/sources/sql-source.js'
import { redisStore } from '../src/stores/redis.js'
import { createScratchDatabase } from './support/scratch-database.js'
import { postgresAvailable, redisAvailable, REDIS_URL } from './support/services.js'

const servicesUp = (await postgresAvailable()) && (await redisAvailable())

/**
 * Admin actions write the user source, then tell the fleet. A ban or delete that was stored must
 * reach every instance even when revoking the user's earlier sessions fails: real Postgres (a
 * runner that fails chosen writes, as a store timing out would) and two instances on real Redis.
 */
describe.skipIf(!servicesUp)('admin actions when the user source fails a later write', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>
  let db: ReturnType<typeof postgresSource>
  beforeAll(async () => {
    scratch = await createScratchDatabase()
    db = postgresSource({ url: scratch.url })
    await migrateAuthSchema(db.run)
  })
  afterAll(async () => {
    await db?.close()
    await scratch?.drop()
  })

  /** A runner whose n-th write (UPDATE), counted from now, fails for the writes named. */
  function failingWrites(failing: (n: number) => boolean): SqlRunner {
    let writes = 0
    return async (text, params) => {
      if (/^\s*update/i.test(text) && failing(++writes)) throw new Error(`write ${writes} failed (test)`)
      return db.run(text, params)
    }
  }

  async function fleetWith(run: SqlRunner) {
    const options = { prefix: `admin:${randomUUID()}:`, secret: `secret-${randomUUID()}`, sourceTimeout: 1_000 }
    const [a, b] = [run, db.run].map((r) =>
      createValidationCache({ ...options, source: sqlSource('postgres', r), store: redisStore(REDIS_URL) }),
    )
    await Promise.all([a!.ready(), b!.ready()])
    const id = randomUUID()
    await db.run(`insert into auth.users (id, email) values ($1, $2)`, [id, `${id}@example.com`])
    const signedIn = Date.now() - 1_000
    expect((await b!.validate(id, { issuedAt: signedIn })).verdict).toBe('active') // b holds it in L1
    return { a: a!, b: b!, id, signedIn, close: () => Promise.all([a!.close(), b!.close()]) }
  }

  for (const action of ['ban', 'delete'] as const) {
    const input = action === 'ban' ? { until: new Date(Date.now() + 3_600_000) } : {}

    it(`${action}: the revocation write fails once → retried, stored, and the other instance refuses at once`, async () => {
      const run = failingWrites((n) => n === 2)
      const { a, b, id, signedIn, close } = await fleetWith(run)
      try {
        const outcome = await runAdminAction({ cache: a, admin: sqlUserAdmin(run) }, id, action, input)
        expect(outcome).toMatchObject({
          action,
          stored: true,
          sessionsRevoked: 'stored',
          attempts: 2,
          cache: 'updated',
          broadcast: 'sent',
        })
        await expectRefusedOn(b, id, signedIn, action === 'ban' ? 'banned' : 'deleted')
      } finally {
        await close()
      }
    })

    it(`${action}: the revocation write keeps failing → the ${action} still reaches the fleet, and the answer says so`, async () => {
      const run = failingWrites((n) => n > 1)
      const { a, b, id, signedIn, close } = await fleetWith(run)
      try {
        const outcome = await runAdminAction({ cache: a, admin: sqlUserAdmin(run) }, id, action, input)
        expect(outcome).toMatchObject({
          action,
          stored: true,
          sessionsRevoked: 'failed',
          attempts: 2,
          cache: 'updated',
          broadcast: 'sent',
        })
        expect(outcome.warning).toMatch(/revoke/)
        await expectRefusedOn(b, id, signedIn, action === 'ban' ? 'banned' : 'deleted')
      } finally {
        await close()
      }
    })
  }

  async function expectRefusedOn(
    cache: ReturnType<typeof createValidationCache>,
    id: string,
    issuedAt: number,
    verdict: string,
  ) {
    const deadline = Date.now() + 3_000 // the promise is < 1 s; a generous bound, the figure printed
    const started = Date.now()
    while ((await cache.validate(id, { issuedAt })).verdict !== verdict) {
      if (Date.now() > deadline) throw new Error(`the other instance still admits the user after 3 s`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    console.log(`other instance refused (${verdict}) ${Date.now() - started} ms after the action returned`)
  }
})
