import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import bcrypt from 'bcryptjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createValidationCache } from '../src/cache.js'
import { sqlUserAdmin } from '../src/admin/user-admin.js'
import { PERMANENT } from '../src/user-state.js'
import { ForeignSchemaError, migrateAuthSchema } from '../src/setup/auth-schema.js'
import { authorizeWithPostgres } from '../src/sources/postgres-sign-in.js'
import { DEMO_USERS, seedDemoUsers, type DemoUser as DemoUserT } from '../src/setup/demo-users.js'
import { openPglite, pgliteSource } from '../src/sources/pglite.js'
import { postgresSource } from '../src/sources/postgres.js'
import type { SqlRunner } from '../src/sources/sql-source.js'
import { memoryStore } from '../src/stores/memory.js'
import type { UserSource } from '../src/sources/user-source.js'
import { freePort } from './support/redis-server.js'
import { createScratchDatabase } from './support/scratch-database.js'
import { postgresAvailable } from './support/services.js'

interface Target {
  source: UserSource
  run: SqlRunner
  close: () => Promise<void>
}

const postgresUp = await postgresAvailable()

/** The same suite against every SQL engine the `postgres` source runs on. */
const engines: { name: string; open: () => Promise<Target> }[] = [
  {
    name: 'PGlite (embedded)',
    open: async () => {
      const db = await openPglite()
      const source = pgliteSource(db)
      return { source, run: source.run, close: () => db.close() }
    },
  },
  ...(postgresUp
    ? [
        {
          name: 'PostgreSQL (127.0.0.1:5432)',
          open: async (): Promise<Target> => {
            const scratch = await createScratchDatabase()
            const source = postgresSource({ url: scratch.url })
            return { source, run: source.run, close: async () => (await source.close(), await scratch.drop()) }
          },
        },
      ]
    : []),
]

describe.each(engines)('auth.users source on $name', ({ open }) => {
  let target: Target
  beforeAll(async () => {
    target = await open()
    expect(await migrateAuthSchema(target.run)).toBe('created')
  }, 60_000)
  afterAll(() => target.close())

  const insert = async (columns: Record<string, unknown> = {}) => {
    const id = randomUUID()
    const names = Object.keys(columns)
    const cast = (name: string) => (name.endsWith('meta_data') ? '::text::jsonb' : '') // see seedDemoUsers
    await target.run(
      `insert into auth.users (id, email${names.map((n) => `, ${n}`).join('')}) values ($1, $2${names.map((n, i) => `, $${i + 3}${cast(n)}`).join('')})`,
      [id, `${id}@example.com`, ...Object.values(columns)],
    )
    return id
  }

  it('reads an active user, a missing one, and top-level ban and deletion columns', async () => {
    const active = await insert()
    const banUntil = new Date(Date.now() + 3_600_000)
    const banned = await insert({ banned_until: banUntil.toISOString() })
    const pastBan = await insert({ banned_until: new Date(Date.now() - 3_600_000).toISOString() })
    const deleted = await insert({ deleted_at: new Date().toISOString() })
    // A "ban" in user_metadata is user-editable, so it must be ignored.
    const selfBanned = await insert({ raw_user_meta_data: JSON.stringify({ banned_until: '2999-01-01' }) })
    const s = target.source
    const signal = AbortSignal.timeout(5_000)
    expect(await s.fetchUser(active, signal)).toEqual({
      exists: true,
      deleted: false,
      bannedUntil: null,
      sessionsRevokedAt: null,
    })
    expect(await s.fetchUser(randomUUID(), signal)).toBeNull()
    expect((await s.fetchUser(banned, signal))?.bannedUntil).toBe(banUntil.getTime())
    expect((await s.fetchUser(pastBan, signal))?.bannedUntil).toBeLessThan(Date.now())
    expect((await s.fetchUser(deleted, signal))?.deleted).toBe(true)
    expect(await s.fetchUser(selfBanned, signal)).toMatchObject({ bannedUntil: null, deleted: false })
  })

  it('reads the role from raw_app_meta_data (never user metadata), and caches it with the state', async () => {
    const admin = await insert({ raw_app_meta_data: JSON.stringify({ role: 'admin' }) })
    const odd = await insert({ raw_app_meta_data: JSON.stringify({ role: 1 }) }) // not a role name: no role
    const self = await insert({ raw_user_meta_data: JSON.stringify({ role: 'admin' }) })
    const signal = AbortSignal.timeout(5_000)
    expect(await target.source.fetchUser(admin, signal)).toEqual({
      exists: true,
      deleted: false,
      bannedUntil: null,
      sessionsRevokedAt: null,
      role: 'admin',
    })
    expect(await target.source.fetchUser(odd, signal)).not.toHaveProperty('role')
    expect(await target.source.fetchUser(self, signal)).not.toHaveProperty('role')
    let queries = 0
    const counted = {
      ...target.source,
      fetchUser: (id: string, s: AbortSignal) => (queries++, target.source.fetchUser(id, s)),
    }
    const cache = createValidationCache({ source: counted, store: memoryStore() })
    for (const _ of [1, 2, 3])
      expect(await cache.validate(admin, { issuedAt: Date.now() })).toMatchObject({ verdict: 'active', role: 'admin' })
    expect((await cache.validate(self, { issuedAt: Date.now() })).role).toBeNull()
    expect(queries).toBe(2)
    await cache.close()
  })

  it('persists the revocation time in raw_app_meta_data to the millisecond, keeping other keys, and clears it', async () => {
    const id = await insert({ raw_app_meta_data: JSON.stringify({ role: 'admin', provider: 'email' }) })
    const at = Date.now() - 123
    await target.source.setSessionsRevokedAt(id, at, AbortSignal.timeout(5_000))
    expect((await target.source.fetchUser(id, AbortSignal.timeout(5_000)))?.sessionsRevokedAt).toBe(at)
    const [row] = await target.run('select raw_app_meta_data from auth.users where id = $1', [id])
    expect(row!.raw_app_meta_data).toEqual({
      role: 'admin',
      provider: 'email',
      sessions_revoked_at: new Date(at).toISOString(),
    })
    await target.source.setSessionsRevokedAt(id, null, AbortSignal.timeout(5_000))
    expect((await target.source.fetchUser(id, AbortSignal.timeout(5_000)))?.sessionsRevokedAt).toBeNull()
    await expect(target.source.setSessionsRevokedAt(randomUUID(), at, AbortSignal.timeout(5_000))).rejects.toThrow(
      /no such user/,
    )
  })

  it('gives the engine the right verdicts end to end', async () => {
    const cache = createValidationCache({ source: target.source, store: memoryStore() })
    const active = await insert()
    const banned = await insert({ banned_until: new Date(Date.now() + 60_000).toISOString() })
    const deleted = await insert({ deleted_at: new Date().toISOString() })
    const issuedAt = Date.now() - 1_000
    expect((await cache.validate(active, { issuedAt })).verdict).toBe('active')
    expect((await cache.validate(banned, { issuedAt })).verdict).toBe('banned')
    expect((await cache.validate(deleted, { issuedAt })).verdict).toBe('deleted')
    expect((await cache.validate(randomUUID(), { issuedAt })).verdict).toBe('missing')
    await cache.revoke(active)
    expect((await cache.validate(active, { issuedAt })).verdict).toBe('revoked')
    expect((await cache.validate(active, { issuedAt: Date.now() })).verdict).toBe('active')
    await cache.close()
  })

  it('migrates idempotently and seeds demo users once, with bcrypt hashes that verify', async () => {
    expect(await migrateAuthSchema(target.run)).toBe('up-to-date')
    expect(await seedDemoUsers(target.run)).toBe(DEMO_USERS.length)
    expect(await seedDemoUsers(target.run)).toBe(0)
    const [alice] = await target.run('select encrypted_password, raw_app_meta_data from auth.users where email = $1', [
      'alice@example.com',
    ])
    expect(bcrypt.compareSync('alice-demo-password', alice!.encrypted_password as string)).toBe(true)
    expect((alice!.raw_app_meta_data as { role: string }).role).toBe('admin')
    const carol = await target.source.fetchUser(DEMO_USERS[2]!.id, AbortSignal.timeout(5_000))
    expect(carol!.bannedUntil).toBeGreaterThan(Date.now() + 86_000_000)
  })

  it('checks passwords against encrypted_password and refuses banned and deleted users', async () => {
    const authorize = authorizeWithPostgres(target.run)
    const [alice, bob, carol, dave] = DEMO_USERS as [DemoUserT, DemoUserT, DemoUserT, DemoUserT]
    expect(await authorize({ email: 'ALICE@example.com', password: alice.password })).toEqual({
      id: alice.id,
      email: alice.email,
      role: 'admin',
    })
    expect(await authorize({ email: bob.email, password: bob.password })).toEqual({
      id: bob.id,
      email: bob.email,
      role: null,
    })
    expect(await authorize({ email: bob.email, password: 'wrong' })).toBeNull()
    expect(await authorize({ email: carol.email, password: carol.password })).toBeNull() // banned
    expect(await authorize({ email: dave.email, password: dave.password })).toBeNull() // soft-deleted
    expect(await authorize({ email: 'nobody@example.com', password: 'x' })).toBeNull()
    expect(await authorize({ email: bob.email, password: 'x'.repeat(5_000) })).toBeNull()
    expect(await authorize(undefined)).toBeNull()
    // Auth.js v5 hands authorize whatever was posted: no string, no sign-in, and no crash.
    for (const junk of [
      { email: [bob.email], password: bob.password },
      { email: bob.email, password: { $ne: '' } },
      { email: 5 },
    ]) {
      expect(await authorize(junk)).toBeNull()
    }
  })
})

describe.skipIf(!postgresUp)('postgres source when the database is down', () => {
  it('throws (a source error, so the cache answers stale or unavailable), never "missing"', async () => {
    const source = postgresSource({
      url: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`,
      connectTimeoutSeconds: 1,
    })
    await expect(source.fetchUser(randomUUID(), AbortSignal.timeout(5_000))).rejects.toThrow()
    const cache = createValidationCache({ source, store: memoryStore(), sourceTimeout: 3_000 })
    expect((await cache.validate(randomUUID())).verdict).toBe('unavailable')
    await cache.close()
    await source.close()
  })
})

/** Supabase's full auth.users (35 columns, generated column, constraints), reconstructed from GoTrue's migrations. */
const SUPABASE_SCHEMA = readFileSync(new URL('./fixtures/supabase-auth-schema.sql', import.meta.url), 'utf8')
const onSupabaseSchema: { name: string; open: () => Promise<Target> }[] = [
  {
    name: 'PGlite',
    open: async () => {
      const db = await openPglite()
      await db.exec(SUPABASE_SCHEMA)
      return {
        source: pgliteSource(db),
        run: async (text, params) => (await db.query<Record<string, unknown>>(text, params)).rows,
        close: () => db.close(),
      }
    },
  },
  ...(postgresUp
    ? [
        {
          name: 'PostgreSQL',
          open: async (): Promise<Target> => {
            const scratch = await createScratchDatabase()
            const source = postgresSource({ url: scratch.url })
            await source.sql.unsafe(SUPABASE_SCHEMA)
            return {
              source,
              run: (text, params) => source.sql.unsafe(text, params as never[]),
              close: async () => (await source.close(), await scratch.drop()),
            }
          },
        },
      ]
    : []),
]

describe.each(onSupabaseSchema)("on Supabase's own auth.users ($name)", ({ open }) => {
  let target: Target
  beforeAll(async () => void (target = await open()), 60_000)
  afterAll(() => target.close())

  it('setup refuses to touch it, and the source works on it unchanged', async () => {
    await expect(migrateAuthSchema(target.run)).rejects.toThrow(ForeignSchemaError)
    const [id, banned, deleted] = [randomUUID(), randomUUID(), randomUUID()]
    // As GoTrue writes rows: its own defaults fill the other 30-odd columns.
    for (const [user, extra] of [
      [id, ''],
      [banned, `, banned_until = now() + interval '1 hour'`],
      [deleted, ', deleted_at = now()'],
    ] as const) {
      await target.run(
        `insert into auth.users (instance_id, id, aud, role, email, raw_app_meta_data, created_at, updated_at)
        values ('00000000-0000-0000-0000-000000000000', $1, 'authenticated', 'authenticated', $2, '{"provider":"email","role":"admin"}', now(), now())`,
        [user, `${user}@example.com`],
      )
      if (extra) await target.run(`update auth.users set ${extra.slice(2)} where id = $1`, [user])
    }
    const cache = createValidationCache({ source: target.source, store: memoryStore() })
    const issuedAt = Date.now() - 1_000
    expect((await cache.validate(id, { issuedAt })).verdict).toBe('active')
    expect((await cache.validate(banned, { issuedAt })).verdict).toBe('banned')
    expect((await cache.validate(deleted, { issuedAt })).verdict).toBe('deleted')
    await cache.revoke(id)
    expect((await cache.validate(id, { issuedAt })).verdict).toBe('revoked')
    const [row] = await target.run('select raw_app_meta_data from auth.users where id = $1', [id])
    expect(row!.raw_app_meta_data).toMatchObject({ provider: 'email', role: 'admin' })
    await cache.close()
  })
})

describe.each(engines)('permanent bans on $name', ({ open }) => {
  it("reads banned_until = 'infinity' as banned for good and '-infinity' as never", async () => {
    const target = await open()
    try {
      await migrateAuthSchema(target.run)
      const [forever, never] = [randomUUID(), randomUUID()]
      await target.run(
        `insert into auth.users (id, email, banned_until) values ($1, 'f@example.com', 'infinity'), ($2, 'n@example.com', '-infinity')`,
        [forever, never],
      )
      // Clamped to the last instant a Date can hold, so every later step (reasons, ISO strings) works.
      expect((await target.source.fetchUser(forever, AbortSignal.timeout(5_000)))?.bannedUntil).toBe(PERMANENT)
      expect((await target.source.fetchUser(never, AbortSignal.timeout(5_000)))?.bannedUntil).toBeNull()
      const cache = createValidationCache({ store: memoryStore(), source: target.source })
      for (const tier of ['source', 'l1']) {
        const result = await cache.validate(forever, { issuedAt: Date.now() })
        expect(result).toMatchObject({ valid: false, verdict: 'banned', tier, reason: 'user is banned permanently' })
      }
      expect((await cache.validate(never, { issuedAt: Date.now() })).verdict).toBe('active')
      await cache.close()
      const listed = (await sqlUserAdmin(target.run).list()).find((u) => u.id === forever)
      expect(listed).toMatchObject({ bannedUntil: 'infinity' }) // the admin list names it, not a RangeError
      expect((await sqlUserAdmin(target.run).list()).find((u) => u.id === never)).toMatchObject({
        bannedUntil: '-infinity',
      })
    } finally {
      await target.close()
    }
  }, 60_000)
})
