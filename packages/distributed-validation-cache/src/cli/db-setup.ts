/**
 * `dvc-db-setup [--demo-users] [--triggers [--webhook]] [--uninstall-triggers] [--print-triggers]`
 * (`pnpm db:setup` here): creates the auth.users subset in DATABASE_URL, or in the embedded PGlite at
 * PGLITE_DATA_DIR. Demo users — an admin with a published password among them — only with --demo-users,
 * on PGlite too: run in a user's app, anything else would hand out a known login. On Supabase's own
 * schema it does one thing only: install (or remove) the change trigger (setup/triggers.ts).
 */
import { fromEnv } from '../config/config.js'
import { loadDriver } from '../config/load-driver.js'
import { ForeignSchemaError, migrateAuthSchema } from '../setup/auth-schema.js'
import { configureWebhook, installTriggers, installTriggersSql, uninstallTriggers } from '../setup/triggers.js'
import type { SqlRunner } from '../sources/sql-source.js'
import { parseFlags, type CliSpec } from './args.js'
import { loadEnvFiles } from './env-files.js'

const NAME = 'dvc-db-setup'
const DEFAULT_PGLITE_DIR = '.data/pglite'
const PUBLIC = 'Their passwords are public (published in the README): never use them on a real database.'

type Flag = 'demo-users' | 'triggers' | 'webhook' | 'global-sign-out' | 'uninstall-triggers' | 'print-triggers'

const spec: CliSpec<Flag> = {
  name: NAME,
  about: [
    "Creates the columns of Supabase's auth.users that this package reads, in the Postgres at DATABASE_URL or,",
    `without it, in an embedded PGlite (a folder, ${DEFAULT_PGLITE_DIR} by default). Running it again changes`,
    'nothing. It refuses Supabase itself: Supabase manages its own auth.users. It adds no user unless asked.',
  ].join('\n'),
  flags: {
    'demo-users': `also add the four demo users (alice@example.com is an admin).\n${PUBLIC}`,
    triggers:
      'install the trigger on auth.users that tells the fleet of every ban, delete and role change\n' +
      '(pg_notify; Supabase too: DATABASE_URL = its direct connection). Idempotent.',
    webhook:
      'with --triggers, on Supabase: also post each change to $NEXTAUTH_URL/api/validation/webhook\n' +
      '(pg_net), with REVALIDATION_WEBHOOK_SECRET kept in Supabase Vault',
    'global-sign-out':
      'with --triggers, on Supabase (opt-in): a sign-out from every Supabase session of a user\n' +
      "(auth.sessions' last live row deleted) ends the user's sessions here too",
    'uninstall-triggers': 'remove exactly what --triggers installed',
    'print-triggers': 'print the trigger SQL (for the Supabase SQL editor or supabase/migrations/); touch nothing',
  },
  env: {
    DATABASE_URL: 'the Postgres to set up (postgres://user:pass@host:5432/db); unset: the embedded PGlite',
    PGLITE_DATA_DIR: `the embedded PGlite's folder, created with its parents (default ${DEFAULT_PGLITE_DIR})`,
    NEXT_PUBLIC_SUPABASE_URL: 'if set, only the trigger flags run: Supabase manages its own auth.users',
    VALIDATION_CACHE_PREFIX: "names the trigger's NOTIFY channel (<prefix>user_changed); default dvc:",
    'other app variables': 'read and checked as the app would (see dvc-doctor --help): an invalid one stops it',
  },
  exits: '0 done, 1 failed (one line on stderr)',
}

interface Database {
  run: SqlRunner
  close: () => Promise<void>
  /** Where, for the user: `DATABASE_URL` or the PGlite folder. */
  where: string
  embedded: boolean
}

async function openDatabase(): Promise<Database> {
  const config = fromEnv()
  if (config.userSource.provider === 'postgres') {
    const { postgresSource } = await loadDriver(() => import('../sources/postgres.js'), 'postgres', 'DATABASE_URL')
    const source = postgresSource({ url: config.userSource.url })
    return { run: source.run, close: source.close, where: 'DATABASE_URL', embedded: false }
  }
  if (config.userSource.provider === 'supabase') {
    throw new ForeignSchemaError(
      'NEXT_PUBLIC_SUPABASE_URL is set: Supabase manages auth.users itself; ' +
        'create demo users in its dashboard instead.',
    )
  }
  const dir = process.env.PGLITE_DATA_DIR || DEFAULT_PGLITE_DIR
  const { openPglite, pgliteRunner } = await loadDriver(
    () => import('../sources/pglite.js'),
    '@electric-sql/pglite',
    'PGLITE_DATA_DIR (no DATABASE_URL is set)',
  )
  const db = await openPglite(dir) // creates the folder, or says in one line why it cannot
  return { run: pgliteRunner(db), close: () => db.close(), where: `embedded PGlite at ${dir}`, embedded: true }
}

/** --triggers, --webhook, --uninstall-triggers: on any Postgres, Supabase's own included. */
async function setUpTriggers(flags: Record<Flag, boolean>): Promise<void> {
  const config = fromEnv()
  const url = process.env.DATABASE_URL
  if (!url) throw new Error('the trigger flags need DATABASE_URL (on Supabase: its direct connection string)')
  const { postgresSource } = await loadDriver(() => import('../sources/postgres.js'), 'postgres', 'DATABASE_URL')
  const db = postgresSource({ url, max: 1 })
  try {
    if (flags['uninstall-triggers']) {
      await uninstallTriggers(db.run)
      return console.log('The auth.users change trigger is removed (Vault secrets, if any, are left to you).')
    }
    // Ours is created if missing; Supabase's own is left as it is — only the trigger is added to it.
    await migrateAuthSchema(db.run).catch((error: Error) => {
      if (!(error instanceof ForeignSchemaError)) throw error
    })
    await installTriggers(db.run, config.prefix, { globalSignOut: flags['global-sign-out'] })
    console.log(`The auth.users change trigger is installed: pg_notify on ${config.prefix}user_changed.`)
    if (flags['global-sign-out']) console.log('A global sign-out in Supabase now revokes sessions here too.')
    if (!flags.webhook) return
    const base = config.nextAuth.url
    if (!base || !config.webhookSecret) throw new Error('--webhook needs NEXTAUTH_URL and REVALIDATION_WEBHOOK_SECRET')
    const hook = new URL('/api/validation/webhook', base).toString()
    await configureWebhook(db.run, hook, config.webhookSecret)
    console.log(`Each change is also posted to ${hook} (pg_net); its secret is in Supabase Vault.`)
  } finally {
    await db.close()
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(spec)
  loadEnvFiles() // DATABASE_URL from the app's .env.local or .env, as Next reads them
  if (flags['print-triggers']) return void process.stdout.write(installTriggersSql(fromEnv().prefix))
  for (const flag of ['webhook', 'global-sign-out'] as const)
    if (flags[flag] && !flags.triggers) throw new Error(`--${flag} goes with --triggers`)
  if (flags.triggers || flags['uninstall-triggers']) {
    // The trigger flags may run against Supabase's own auth.users, where nothing else may be done.
    if (flags['demo-users']) throw new Error('--demo-users does not go with the trigger flags: run them apart')
    return setUpTriggers(flags)
  }
  const db = await openDatabase()
  try {
    const schema = await migrateAuthSchema(db.run)
    console.log(`auth.users ${schema === 'created' ? 'created' : 'already set up'} in ${db.where}.`)
    if (!flags['demo-users']) {
      const how = db.embedded
        ? `\`${NAME} --demo-users\` adds them, for a local demo only`
        : 'pass --demo-users to add them'
      console.log(`No demo users added (${how}: never on a real database).`)
      return
    }
    const { DEMO_USERS, seedDemoUsers } = await loadDriver(
      () => import('../setup/demo-users.js'),
      'bcryptjs',
      '--demo-users',
    )
    const seeded = await seedDemoUsers(db.run)
    console.log(`${seeded} demo user(s) added (password = <name>-demo-password). ${PUBLIC}`)
    for (const user of DEMO_USERS) console.log(`  ${user.email.padEnd(20)} ${user.password.padEnd(22)} ${user.note}`)
  } finally {
    await db.close()
  }
}

main().catch((error: Error) => {
  console.error(`${NAME}: ${error.message}`)
  process.exitCode = 1
})
