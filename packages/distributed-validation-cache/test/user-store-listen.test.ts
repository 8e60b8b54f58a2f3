import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createValidationCache, type ValidationCache } from '../src/cache.js'
import { migrateAuthSchema } from '../src/setup/auth-schema.js'
import { installTriggers } from '../src/setup/triggers.js'
import { postgresSource } from '../src/sources/postgres.js'
import { redisStore } from '../src/stores/redis.js'
import { waitFor } from '../src/testing/wait-for.js'
import type { Verdict } from '../src/user-state.js'
import { createScratchDatabase } from './support/scratch-database.js'
import { DATABASE_URL, postgresAvailable, REDIS_URL, redisAvailable } from './support/services.js'
import { TcpProxy } from './support/tcp-proxy.js'

const servicesUp = (await postgresAvailable()) && (await redisAvailable())
const PREFIX = `lsn${randomUUID().slice(0, 6)}:`
const SECRET = 'user-store-listen-secret-0123456789'

/**
 * Issue 12 part 2: each instance LISTENs for the auth.users trigger. A ban, an unban, a role
 * change, a soft and a hard delete made by plain SQL — no webhook, no admin API — reach two
 * instances (own pools, one Redis) within the 1 s promise (3 s bound here, figure printed); a
 * listening connection that goes quiet is found by the heartbeat and replaced.
 */
describe.skipIf(!servicesUp)('instances hear the user store itself (LISTEN/NOTIFY), on real Postgres', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>
  let admin: ReturnType<typeof postgresSource>
  let proxy: TcpProxy
  const instances: { cache: ValidationCache; source: ReturnType<typeof postgresSource> }[] = []
  const instance = (listenUrl?: string, { listen = true } = {}) => {
    const source = postgresSource({ url: scratch.url, ...(listenUrl ? { listenUrl } : {}) })
    const cache = createValidationCache({
      source,
      store: redisStore(REDIS_URL),
      prefix: PREFIX,
      secret: SECRET,
      listen,
      listenHeartbeat: '200 ms',
      sourceTimeout: '500 ms',
    })
    instances.push({ cache, source })
    return cache
  }
  const closeAll = async () => {
    for (const { cache, source } of instances.splice(0)) {
      await cache.close()
      await source.close()
    }
  }
  const addUser = async () => {
    const id = randomUUID()
    await admin.run('insert into auth.users (id, email) values ($1, $2)', [id, `${id}@example.com`])
    return id
  }
  /** Runs `sql`, then waits until every cache answers `expected` for the user; the time it took. */
  const lockout = async (
    caches: ValidationCache[],
    sql: string,
    id: string,
    expected: Partial<Record<string, unknown>>,
  ) => {
    const started = performance.now()
    await admin.run(sql, [id])
    await waitFor(
      async () => {
        const results = await Promise.all(caches.map((cache) => cache.validate(id)))
        return results.every((r) => Object.entries(expected).every(([k, v]) => r[k as keyof typeof r] === v))
      },
      { timeoutMs: 3_000, intervalMs: 10, what: `${sql} to reach every instance` },
    )
    return Math.round(performance.now() - started)
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase()
    admin = postgresSource({ url: scratch.url, max: 1 })
    await migrateAuthSchema(admin.run)
    await installTriggers(admin.run, PREFIX)
    const target = new URL(DATABASE_URL)
    proxy = await new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) }).start()
  })
  afterAll(async () => {
    await closeAll()
    await admin?.close()
    await proxy?.stop()
    await scratch?.drop()
  })

  it('locks a user out of two instances by plain SQL: ban, unban, role, soft delete, hard delete', async () => {
    const [a, b] = [instance(), instance()]
    await Promise.all([a.ready(), b.ready()])
    expect([a.stats().userStoreListening, b.stats().userStoreListening]).toEqual([true, true])
    const id = await addUser()
    for (const cache of [a, b]) expect((await cache.validate(id)).verdict).toBe('active') // cached: L1, L2
    const steps: [string, string, { verdict: Verdict; role?: string | null }][] = [
      ['ban', "update auth.users set banned_until = now() + interval '1 hour' where id = $1", { verdict: 'banned' }],
      ['unban', 'update auth.users set banned_until = null where id = $1', { verdict: 'active' }],
      [
        'role',
        `update auth.users set raw_app_meta_data = raw_app_meta_data || '{"role":"admin"}' where id = $1`,
        { verdict: 'active', role: 'admin' },
      ],
      ['soft delete', 'update auth.users set deleted_at = now() where id = $1', { verdict: 'deleted' }],
    ]
    const times: string[] = []
    for (const [name, sql, expected] of steps) times.push(`${name} ${await lockout([a, b], sql, id, expected)} ms`)
    const other = await addUser()
    for (const cache of [a, b]) expect((await cache.validate(other)).verdict).toBe('active')
    times.push(
      `hard delete ${await lockout([a, b], 'delete from auth.users where id = $1', other, { valid: false })} ms`,
    )
    console.log(`by plain SQL, on both instances: ${times.join(', ')}`)
    expect(a.stats().userStore.notifications).toBeGreaterThanOrEqual(5)
  })

  it('an UPDATE of a column that decides nothing sends nothing', async () => {
    const [a] = instances.map((i) => i.cache)
    const id = await addUser()
    const marker = await addUser()
    const before = a!.stats().userStore.notifications
    await admin.run('update auth.users set last_sign_in_at = now(), email = email where id = $1', [id])
    await admin.run('update auth.users set banned_until = now() where id = $1', [marker])
    await waitFor(() => a!.stats().userStore.notifications > before, { what: "the marker's notification" })
    expect(a!.stats().userStore.notifications).toBe(before + 1) // the marker's alone
  })

  it('an instance that does not listen is told by the one that heard it (through Redis), not served the old copy', async () => {
    const [a] = instances.map((i) => i.cache)
    const deaf = instance(undefined, { listen: false })
    await deaf.ready()
    const id = await addUser()
    for (const cache of [a!, deaf]) expect((await cache.validate(id)).verdict).toBe('active') // L1 and L2 hold it
    const ms = await lockout([a!, deaf], "update auth.users set banned_until = 'infinity' where id = $1", id, {
      verdict: 'banned',
    })
    console.log(`an instance that does not LISTEN refused the SQL ban after ${ms} ms (the refresh of one that heard)`)
  })

  it('finds a listening connection gone quiet by its heartbeat, replaces it, and hears bans again', async () => {
    const cache = instance(proxy.url.replace('redis://', 'postgres://postgres@').concat(new URL(scratch.url).pathname))
    await cache.ready()
    expect(cache.stats().userStoreListening).toBe(true)
    proxy.set({ kind: 'blackhole' }) // packets vanish: no FIN, no RST, as a NAT that forgot the connection
    await waitFor(() => cache.stats().userStore.deaf > 0, { timeoutMs: 5_000, what: 'the heartbeat to find it deaf' })
    expect(cache.stats().userStoreListening).toBe(false)
    proxy.heal()
    await waitFor(() => cache.stats().userStoreListening === true, { timeoutMs: 10_000, what: 'a new listen' })
    const id = await addUser()
    expect((await cache.validate(id)).verdict).toBe('active')
    const ms = await lockout([cache], "update auth.users set banned_until = 'infinity' where id = $1", id, {
      verdict: 'banned',
    })
    console.log(`after a silent drop and a new connection, a ban heard in ${ms} ms`)
  })
  // From here on no other instance listens: what an instance learns, it learns from the store's log.
  it('a new instance reads the changes made while nobody listened: no pre-ban copy from L2', async () => {
    await closeAll()
    const id = await addUser()
    const first = instance(undefined, { listen: false })
    expect((await first.validate(id)).verdict).toBe('active') // in L2 now
    await admin.run("update auth.users set banned_until = 'infinity' where id = $1", [id]) // heard by no one here
    const late = instance()
    await late.ready() // its first listen read the store's log of changes
    expect(await late.validate(id)).toMatchObject({ verdict: 'banned', tier: 'source' })
  })

  it('a ban made while the driver re-LISTENs after a dropped connection is read from the log', async () => {
    const cache = instance()
    await cache.ready()
    const id = await addUser()
    expect((await cache.validate(id)).verdict).toBe('active')
    // The listening backend is killed: postgres.js reconnects and LISTENs again by itself.
    const ban = "update auth.users set banned_until = 'infinity' where id = $1"
    await admin.run(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()`,
      [],
    )
    await admin.run(ban, [id]) // sent while no one of this instance's listens
    await waitFor(async () => (await cache.validate(id)).verdict === 'banned', {
      timeoutMs: 3_000,
      intervalMs: 10,
      what: 'the ban made during the reconnect',
    })
    expect(cache.stats().userStore.interruptions).toBeGreaterThan(0)
  })
})
