import { readFileSync } from 'node:fs'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { installTriggersSql } from '../src/setup/triggers.js'
import { createScratchDatabase } from './support/scratch-database.js'
import { postgresAvailable } from './support/services.js'
import { runShippedBin } from './support/shipped-bin.js'

const postgresUp = await postgresAvailable()
const SUPABASE_SCHEMA = readFileSync(new URL('./fixtures/supabase-auth-schema.sql', import.meta.url), 'utf8')
const setup = (env: Record<string, string>, ...args: string[]) => runShippedBin('dvc-db-setup', env, args)

/** The shipped bin's trigger flags, against Supabase's own auth.users on real Postgres. */
describe.skipIf(!postgresUp)('dvc-db-setup --triggers', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>
  let sql: postgres.Sql
  let env: Record<string, string>
  const catalog = async () =>
    (
      await sql`select (select count(*) from pg_trigger where tgname like 'dvc_user_%')::int as triggers,
        obj_description('auth.users'::regclass, 'pg_class') as comment,
        (select count(*) from information_schema.columns where table_schema = 'auth' and table_name = 'users')::int
          as columns`
    )[0]!
  beforeAll(async () => {
    scratch = await createScratchDatabase()
    sql = postgres(scratch.url, { max: 1, onnotice: () => undefined })
    await sql.unsafe(SUPABASE_SCHEMA).simple()
    env = {
      DATABASE_URL: scratch.url,
      NEXT_PUBLIC_SUPABASE_URL: 'https://project.supabase.co',
      SUPABASE_SERVICE_ROLE_KEY: 'service-role-key-0123456789',
      VALIDATION_CACHE_PREFIX: 'shop:',
    }
  })
  afterAll(async () => {
    await sql?.end()
    await scratch?.drop()
  })

  it('--print-triggers prints the SQL for the prefix and touches nothing', async () => {
    const printed = setup(env, '--print-triggers')
    expect(printed.status).toBe(0)
    expect(printed.stdout).toBe(installTriggersSql('shop:'))
    expect(printed.stdout).toContain("dvc.user_changed('shop:user_changed')")
    expect((await catalog()).triggers).toBe(0)
  })

  it("installs on Supabase's own auth.users without altering the table, twice, and uninstalls", async () => {
    const before = await catalog()
    for (let run = 0; run < 2; run++) {
      const installed = setup(env, '--triggers')
      expect(installed.stderr).toBe('')
      expect(installed.stdout).toContain('installed: pg_notify on shop:user_changed')
    }
    expect(await catalog()).toEqual({ ...before, triggers: 2 }) // same comment, same columns
    const removed = setup(env, '--uninstall-triggers')
    expect(removed.status).toBe(0)
    expect(await catalog()).toEqual(before)
  })

  it('refuses --webhook without Vault, --triggers or its variables, and flags that do not go together', () => {
    const withUrl = { ...env, NEXTAUTH_URL: 'https://app.example.com', REVALIDATION_WEBHOOK_SECRET: 'w'.repeat(32) }
    for (const [vars, args, message] of [
      [withUrl, ['--triggers', '--webhook'], /Supabase Vault .* is not in this database/],
      [withUrl, ['--webhook'], /--webhook goes with --triggers/],
      [env, ['--triggers', '--webhook'], /--webhook needs NEXTAUTH_URL and REVALIDATION_WEBHOOK_SECRET/],
      [env, ['--global-sign-out'], /--global-sign-out goes with --triggers/],
      [env, ['--triggers', '--demo-users'], /--demo-users does not go with the trigger flags/],
    ] as const) {
      const refused = setup(vars, ...args)
      expect(refused.status).toBe(1)
      expect(refused.stderr).toMatch(new RegExp(`^dvc-db-setup: ${message.source}[^\\n]*\\n$`))
    }
  })

  it('refuses the trigger flags without DATABASE_URL', () => {
    const { DATABASE_URL: _, ...withoutDatabase } = env
    const refused = setup(withoutDatabase, '--triggers')
    expect(refused.status).toBe(1)
    expect(refused.stderr).toMatch(/^dvc-db-setup: the trigger flags need DATABASE_URL/)
  })
})
