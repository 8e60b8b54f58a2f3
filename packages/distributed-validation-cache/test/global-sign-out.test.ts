import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createValidationCache } from '../src/cache.js'
import { installTriggers, triggerStatus, uninstallTriggers } from '../src/setup/triggers.js'
import { postgresSource } from '../src/sources/postgres.js'
import { memoryStore } from '../src/stores/memory.js'
import { waitFor } from '../src/testing/wait-for.js'
import { createScratchDatabase } from './support/scratch-database.js'
import { postgresAvailable } from './support/services.js'

const postgresUp = await postgresAvailable()
const SUPABASE_SCHEMA = readFileSync(new URL('./fixtures/supabase-auth-schema.sql', import.meta.url), 'utf8')
// GoTrue's auth.sessions, as its migrations leave it (the columns its sign-out and cleanup touch).
const SESSIONS = `create table auth.sessions (
  id uuid primary key, user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz, updated_at timestamptz, factor_id uuid, aal text, not_after timestamptz,
  refreshed_at timestamp, user_agent text, ip inet, tag text
)`
const PREFIX = `gso${randomUUID().slice(0, 6)}:`

/**
 * Issue 12 part 3 (opt-in): a sign-out from every Supabase session ends the user's sessions here
 * too; GoTrue's routine cleanup of long-expired sessions, and a sign-out that leaves one live
 * session, do not. Supabase's own auth.users and auth.sessions, on real Postgres.
 */
describe.skipIf(!postgresUp)('a global sign-out in Supabase (dvc-db-setup --triggers --global-sign-out)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>
  let source: ReturnType<typeof postgresSource>
  const revokedAt = async (id: string) =>
    (
      await source.run(`select raw_app_meta_data ->> 'sessions_revoked_at' as at from auth.users where id = $1`, [id])
    )[0]?.at ?? null
  /** A user with sessions: `live` ones, and `expired` ones whose not_after passed days ago. */
  const userWith = async ({ live = 0, expired = 0 }) => {
    const id = randomUUID()
    await source.run(
      `insert into auth.users (instance_id, id, aud, role, email, raw_app_meta_data, created_at, updated_at)
        values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, '{}', now(), now())`,
      [id, `${id}@example.com`],
    )
    for (let i = 0; i < live + expired; i++)
      await source.run(
        `insert into auth.sessions (id, user_id, created_at, updated_at, aal, not_after)
          values (gen_random_uuid(), $1, now(), now(), 'aal1', $2::timestamptz)`,
        [id, i < live ? null : new Date(Date.now() - 4 * 86_400_000).toISOString()],
      )
    return id
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase()
    source = postgresSource({ url: scratch.url })
    await source.sql.unsafe(SUPABASE_SCHEMA).simple()
    await source.run(SESSIONS, [])
    await installTriggers(source.run, PREFIX, { globalSignOut: true })
  })
  afterAll(async () => {
    await source?.close()
    await scratch?.drop()
  })

  it('is installed only when asked, and reported', async () => {
    expect(await triggerStatus(source.run)).toMatchObject({ installed: true, globalSignOut: true })
  })

  it("a global sign-out (every live session deleted at once) revokes the user's sessions here, fleet-wide", async () => {
    const id = await userWith({ live: 2 })
    const cache = createValidationCache({ source, store: memoryStore(), prefix: PREFIX, listenHeartbeat: '200 ms' })
    await cache.ready()
    const signedIn = cache.now()
    expect((await cache.validate(id, { issuedAt: signedIn })).verdict).toBe('active')
    await source.run('delete from auth.sessions where user_id = $1', [id]) // GoTrue's signOut({ scope: 'global' })
    expect(await revokedAt(id)).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/))
    // Heard through the auth.users trigger the revocation set off: no webhook, no admin API.
    await waitFor(async () => (await cache.validate(id, { issuedAt: signedIn })).verdict === 'revoked', {
      timeoutMs: 3_000,
      what: 'the global sign-out to revoke the session',
    })
    // A session signed in after the sign-out is fine.
    const after = Date.parse((await revokedAt(id)) as string) + 1
    expect((await cache.validate(id, { issuedAt: after })).verdict).toBe('active')
    await cache.close()
  })

  it("GoTrue's cleanup of sessions expired days ago revokes nothing", async () => {
    const id = await userWith({ expired: 3 })
    await source.run(`delete from auth.sessions where not_after < now() - interval '72 hours'`, [])
    expect(await revokedAt(id)).toBeNull()
  })

  it('a sign-out of one session, another still live, revokes nothing', async () => {
    const id = await userWith({ live: 2 })
    await source.run('delete from auth.sessions where id = (select id from auth.sessions where user_id = $1 limit 1)', [
      id,
    ])
    expect(await revokedAt(id)).toBeNull()
    // The last live one going is a sign-out from everywhere: revoked.
    await source.run('delete from auth.sessions where user_id = $1', [id])
    expect(await revokedAt(id)).not.toBeNull()
  })

  it('a deleted user takes their sessions along (cascade): the delete is what the fleet hears', async () => {
    const id = await userWith({ live: 1 })
    await source.run('delete from auth.users where id = $1', [id])
    expect((await triggerStatus(source.run)).failures).toEqual([])
  })

  it('uninstalls with the rest', async () => {
    await uninstallTriggers(source.run)
    expect(await triggerStatus(source.run)).toMatchObject({ installed: false, globalSignOut: false })
    const [left] = await source.run(`select count(*)::int as n from pg_trigger where tgname like 'dvc_%'`, [])
    expect(left).toEqual({ n: 0 })
  })
})
