import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createValidationCache } from '../src/cache.js'
import { webhookHandler } from '../src/next/webhook-handler.js'
import { migrateAuthSchema } from '../src/setup/auth-schema.js'
import {
  configureWebhook,
  installTriggers,
  installTriggersSql,
  triggerStatus,
  uninstallTriggers,
  userChangeChannel,
} from '../src/setup/triggers.js'
import { postgresSource } from '../src/sources/postgres.js'
import { memoryStore } from '../src/stores/memory.js'
import { waitFor } from '../src/testing/wait-for.js'
import { createScratchDatabase } from './support/scratch-database.js'
import { serveHandler } from './support/serve-handler.js'
import { SUPABASE_STAND_INS } from './support/supabase-stand-ins.js'
import { postgresAvailable } from './support/services.js'

const postgresUp = await postgresAvailable()
const PREFIX = `trg${randomUUID().slice(0, 6)}:`

describe.skipIf(!postgresUp)('the auth.users trigger (dvc-db-setup --triggers), on real Postgres', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>
  let source: ReturnType<typeof postgresSource>
  let listener: postgres.Sql
  const heard: string[] = []
  const addUser = async () => {
    const id = randomUUID()
    await source.run(`insert into auth.users (id, email) values ($1, $2)`, [id, `${id}@example.com`])
    return id
  }
  /** Runs `sql`, then a marker change on another user: once the marker is heard, all before it was. */
  const heardFrom = async (sql: string, params: unknown[]) => {
    const from = heard.length
    await source.run(sql, params)
    const marker = await addUser()
    await source.run('update auth.users set banned_until = now() where id = $1', [marker])
    await waitFor(() => heard.includes(marker), { what: 'the marker NOTIFY' })
    return heard.slice(from, heard.indexOf(marker))
  }

  beforeAll(async () => {
    scratch = await createScratchDatabase()
    source = postgresSource({ url: scratch.url })
    await migrateAuthSchema(source.run)
    await installTriggers(source.run, PREFIX)
    await installTriggers(source.run, PREFIX) // again: idempotent
    listener = postgres(scratch.url, { max: 1, onnotice: () => undefined })
    await listener.listen(userChangeChannel(PREFIX), (id) => heard.push(id))
  })
  afterAll(async () => {
    await listener?.end()
    await source?.close()
    await scratch?.drop()
  })

  it('is installed once, at the current version, on the channel of the prefix', async () => {
    expect(await triggerStatus(source.run)).toEqual({
      installed: true,
      version: 2,
      channel: `${PREFIX}user_changed`,
      failures: [],
      globalSignOut: false,
    })
  })

  it('notifies the user id for a ban, an unban, a role change, a soft and a hard delete; nothing else', async () => {
    const id = await addUser()
    const ban = "update auth.users set banned_until = now() + interval '1 hour' where id = $1"
    expect(await heardFrom(ban, [id])).toEqual([id])
    expect(await heardFrom('update auth.users set banned_until = null where id = $1', [id])).toEqual([id])
    const role = `update auth.users set raw_app_meta_data = raw_app_meta_data || '{"role":"admin"}' where id = $1`
    expect(await heardFrom(role, [id])).toEqual([id])
    // Columns that decide nothing, and a "change" to the same value: silent.
    expect(await heardFrom('update auth.users set last_sign_in_at = now(), email = email where id = $1', [id])).toEqual(
      [],
    )
    expect(await heardFrom('update auth.users set banned_until = banned_until where id = $1', [id])).toEqual([])
    expect(await heardFrom('update auth.users set deleted_at = now() where id = $1', [id])).toEqual([id])
    expect(await heardFrom('delete from auth.users where id = $1', [id])).toEqual([id])
    // A rolled-back ban was never made: nothing is sent.
    const other = await addUser()
    await expect(
      source.sql.begin(async (tx) => {
        await tx.unsafe(ban, [other])
        throw new Error('rolled back')
      }),
    ).rejects.toThrow('rolled back')
    expect(await heardFrom('select 1', [])).toEqual([])
  })

  it("never fails the user's UPDATE: a failing NOTIFY is counted instead", async () => {
    // A channel pg_notify refuses (empty): the trigger as a broken install would leave it.
    await source.run(
      `create or replace trigger dvc_user_changed after update of banned_until on auth.users
        for each row execute function dvc.user_changed('')`,
      [],
    )
    const id = await addUser()
    const [row] = await source.run('update auth.users set banned_until = now() where id = $1 returning id', [id])
    expect(row).toEqual({ id })
    const { failures } = await triggerStatus(source.run)
    expect(failures).toEqual([{ path: 'notify', count: 1, lastError: expect.stringContaining('channel name') }])
    await installTriggers(source.run, PREFIX) // repaired by running the install again
    expect(await triggerStatus(source.run)).toMatchObject({ installed: true, channel: `${PREFIX}user_changed` })
  })

  it('on Supabase, posts the Database Webhook payload with the Vault secret; the app locks the user out', async () => {
    for (const statement of SUPABASE_STAND_INS) await source.run(statement, [])
    const secret = `hook-${randomUUID()}`
    const cache = createValidationCache({ source, store: memoryStore(), prefix: PREFIX })
    const app = await serveHandler(webhookHandler({ cache, secret }))
    try {
      await configureWebhook(source.run, `${app.url}/api/validation/webhook`, secret)
      await configureWebhook(source.run, `${app.url}/api/validation/webhook`, secret) // again: updated in place
      const id = await addUser()
      expect((await cache.validate(id)).verdict).toBe('active')
      await source.run("update auth.users set banned_until = now() + interval '1 hour' where id = $1", [id])

      const [request] = await source.run('select url, body, headers from net.recorded order by id desc limit 1', [])
      expect(request).toEqual({
        url: `${app.url}/api/validation/webhook`,
        body: { type: 'UPDATE', table: 'users', schema: 'auth', record: { id }, old_record: { id } },
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${secret}` },
      })
      // The secret is read from Vault when the trigger fires: it is in no function body.
      const [body] = await source.run(`select prosrc from pg_proc where proname = 'user_changed'`, [])
      expect(String(body!.prosrc)).not.toContain(secret)

      const { url, body: payload, headers } = request as { url: string; body: unknown; headers: Record<string, string> }
      const delivered = await fetch(url, { method: 'POST', headers, body: JSON.stringify(payload) })
      expect(delivered.status).toBe(200)
      expect(await cache.validate(id)).toMatchObject({ valid: false, verdict: 'banned' })
    } finally {
      await app.close()
      await cache.close()
    }
  })

  it('with Vault configured but pg_net missing, the UPDATE succeeds and the webhook failure is counted', async () => {
    await source.run('drop function net.http_post', [])
    const id = await addUser()
    const [row] = await source.run('update auth.users set deleted_at = now() where id = $1 returning id', [id])
    expect(row).toEqual({ id })
    const { failures } = await triggerStatus(source.run)
    expect(failures.find((f) => f.path === 'webhook')).toMatchObject({ count: 1 })
  })

  it('ships as sql/dvc-triggers.sql for the default prefix, the script the bin prints', () => {
    const shipped = readFileSync(new URL('../sql/dvc-triggers.sql', import.meta.url), 'utf8')
    expect(shipped).toBe(installTriggersSql('dvc:'))
  })

  it('uninstalls exactly what it installed, and the script users paste is the one it runs', async () => {
    await uninstallTriggers(source.run)
    expect(await triggerStatus(source.run)).toEqual({
      installed: false,
      version: null,
      channel: null,
      failures: [],
      globalSignOut: false,
    })
    const [left] = await source.run(
      `select (select count(*) from pg_namespace where nspname = 'dvc')::int as schemas,
        (select count(*) from pg_trigger where tgname like 'dvc_%')::int as triggers`,
      [],
    )
    expect(left).toEqual({ schemas: 0, triggers: 0 })
    const [vault] = await source.run(`select count(*)::int as n from vault.secrets where name like 'dvc_webhook_%'`, [])
    expect(vault).toEqual({ n: 2 }) // the user's secrets stay theirs
    // The pasted script: one simple-protocol batch, as the Supabase SQL editor runs it.
    await source.sql.unsafe(installTriggersSql(PREFIX)).simple()
    expect(await triggerStatus(source.run)).toMatchObject({ installed: true, version: 2 })
  })
})
