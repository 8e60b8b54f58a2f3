import { randomUUID } from 'node:crypto'
import postgres from 'postgres'
import { describe, expect, it } from 'vitest'
import { migrateAuthSchema } from '../src/setup/auth-schema.js'
import { postgresSource } from '../src/sources/postgres.js'
import { waitFor } from './support/redis-server.js'
import { createScratchDatabase } from './support/scratch-database.js'
import { postgresAvailable } from './support/services.js'

const postgresUp = await postgresAvailable()

describe.skipIf(!postgresUp)('a lookup the cache gave up on, on PostgreSQL', () => {
  it('is cancelled at the server: no statement left waiting on a pooled connection', async () => {
    const scratch = await createScratchDatabase()
    const source = postgresSource({ url: scratch.url, max: 1 })
    const admin = postgres(scratch.url, { max: 2, onnotice: () => undefined })
    try {
      await migrateAuthSchema(source.run)
      // Another transaction holds the table: the lookup's select waits on the lock.
      const holder = await admin.reserve()
      await holder`begin`
      await holder`lock table auth.users in access exclusive mode`
      const waiting = async () =>
        (
          await admin`select count(*)::int as n from pg_stat_activity
          where wait_event_type = 'Lock' and query like 'select u.id is not null as found%'`
        )[0]!.n as number
      const controller = new AbortController()
      const lookup = source.fetchUser(randomUUID(), controller.signal)
      await waitFor(async () => (await waiting()) === 1, { what: 'the lookup waiting on the lock' })
      controller.abort(new Error('user source timed out (test)'))
      await expect(lookup).rejects.toThrow(/cancel/i)
      expect(await waiting()).toBe(0) // gone at the server, not only forgotten here
      await holder`rollback`
      holder.release()
    } finally {
      await admin.end()
      await source.close()
      await scratch.drop()
    }
  })
})
