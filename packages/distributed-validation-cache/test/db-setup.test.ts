import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createScratchDatabase } from './support/scratch-database.js'
import { postgresAvailable } from './support/services.js'
import { runShippedBin } from './support/shipped-bin.js'

const postgresUp = await postgresAvailable()
const setup = (env: Record<string, string>, ...args: string[]) => runShippedBin('dvc-db-setup', env, args)
/** Like setup, run from an app folder of its own: where `npx dvc-db-setup` would drop a `.data/`. */
const setupIn = (cwd: string, env: Record<string, string>, ...args: string[]) =>
  runShippedBin('dvc-db-setup', env, args, { cwd, timeoutMs: 60_000 })

async function query<T>(url: string, body: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => undefined })
  try {
    return await body(sql)
  } finally {
    await sql.end()
  }
}
const USAGE =
  'Usage: dvc-db-setup [--demo-users] [--triggers] [--webhook] [--global-sign-out] [--uninstall-triggers] [--print-triggers]'
const PUBLIC_PASSWORDS = /passwords are public \(published in the README\): never use them on a real database/

/** The shipped `dvc-db-setup` bin (`pnpm run db:setup`), run by plain node against real Postgres. */
describe.skipIf(!postgresUp)('dvc-db-setup', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>
  beforeAll(async () => void (scratch = await createScratchDatabase()))
  afterAll(() => scratch?.drop())

  it('creates auth.users once, adds demo users only when asked, and says which it did', async () => {
    const first = setup({ DATABASE_URL: scratch.url })
    expect(first.stdout).toMatch(/auth\.users created in DATABASE_URL\.\nNo demo users added/)
    expect(first.stdout).not.toMatch(/alice/)
    expect(first.status).toBe(0)
    const count = () => query(scratch.url, async (sql) => (await sql`select count(*)::int as n from auth.users`)[0]!.n)
    expect(await count()).toBe(0)
    const again = setup({ DATABASE_URL: scratch.url }, '--demo-users')
    expect(again.status).toBe(0)
    expect(again.stdout).toMatch(/auth\.users already set up in DATABASE_URL\.\n\d+ demo user\(s\) added/)
    expect(again.stdout).toMatch(PUBLIC_PASSWORDS)
    expect(
      await query(
        scratch.url,
        async (sql) => (await sql`select count(*)::int as n from auth.users where email = 'alice@example.com'`)[0]!.n,
      ),
    ).toBe(1)
  })

  it('fails in one line with exit 1 on a bad environment', () => {
    const bad = setup({ DATABASE_URL: 'mysql://nope' })
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(/^dvc-db-setup: .*DATABASE_URL/m)
    expect(bad.stderr).not.toMatch(/\n\s+at /) // no stack trace
  })

  it('--help, an unknown flag or a stray argument leaves the database untouched', async () => {
    const untouched = await createScratchDatabase()
    try {
      const cases: [string[], number][] = [
        [['--help'], 0],
        [['-h'], 0],
        [['--bogus'], 2],
        [['--demo-users', 'now'], 2],
        [['--demo-users=yes'], 2],
        [['--help', '--demo-users'], 0],
      ]
      for (const [args, status] of cases) {
        expect(setup({ DATABASE_URL: untouched.url }, ...args).status, args.join(' ')).toBe(status)
      }
      const schema = await query(untouched.url, async (sql) => (await sql`select to_regnamespace('auth') as s`)[0]!.s)
      expect(schema).toBeNull()
    } finally {
      await untouched.drop()
    }
  })
})

/** What runs without a Postgres: the arguments, and the embedded PGlite in an app folder of its own. */
describe('dvc-db-setup arguments and the embedded PGlite', () => {
  let app: string
  beforeAll(() => void (app = mkdtempSync(join(tmpdir(), 'dvc-app-'))))
  afterAll(() => rmSync(app, { recursive: true, force: true }))

  it('--help / -h prints what it does, every flag and the variables it reads, and touches nothing', () => {
    for (const flag of ['--help', '-h']) {
      const help = setupIn(app, { DATABASE_URL: 'mysql://not-even-valid' }, flag)
      expect(help.status, flag).toBe(0)
      expect(help.stderr).toBe('')
      expect(help.stdout.startsWith(`${USAGE}\n`)).toBe(true)
      for (const word of [
        'auth.users',
        '--demo-users',
        '-h, --help',
        'public',
        'DATABASE_URL',
        'PGLITE_DATA_DIR',
        '.data/pglite',
        'NEXT_PUBLIC_SUPABASE_URL',
        '--triggers',
        'VALIDATION_CACHE_PREFIX',
      ])
        expect(help.stdout).toContain(word)
      expect(existsSync(join(app, '.data')), `${flag} created .data/`).toBe(false)
    }
  })

  it('refuses an unknown flag or a stray argument with one line and the usage, exit 2, touching nothing', () => {
    const cases: [string[], string][] = [
      [['--bogus'], "dvc-db-setup: unknown option '--bogus'"],
      [['-x'], "dvc-db-setup: unknown option '-x'"],
      [['--help', '--bogus'], "dvc-db-setup: unknown option '--bogus'"],
      [['demo-users'], "dvc-db-setup: unexpected argument 'demo-users'"],
      [['--demo-users=yes'], "dvc-db-setup: option '--demo-users' does not take a value"],
    ]
    for (const [args, line] of cases) {
      const refused = setupIn(app, {}, ...args)
      expect(refused.status, args.join(' ')).toBe(2)
      expect(refused.stdout).toBe('')
      expect(refused.stderr.startsWith(`${line}\n\n${USAGE}\n`), refused.stderr).toBe(true)
      expect(existsSync(join(app, '.data')), `${args.join(' ')} created .data/`).toBe(false)
    }
  })

  it('on the embedded PGlite adds demo users only with --demo-users, and says their passwords are public', () => {
    const first = setupIn(app, {})
    expect(first.stderr).toBe('')
    expect(first.stdout).toMatch(/^auth\.users created in embedded PGlite at \.data\/pglite\.\nNo demo users added/)
    expect(first.stdout).toContain('--demo-users')
    expect(first.stdout).not.toMatch(/alice|demo user\(s\) added/)
    expect(first.status).toBe(0)
    expect(existsSync(join(app, '.data/pglite'))).toBe(true)
    const demo = setupIn(app, {}, '--demo-users')
    expect(demo.status).toBe(0)
    // All four are new: the first run added none.
    const pglite = /^auth\.users already set up in embedded PGlite at \.data\/pglite\.\n4 demo user\(s\) added/
    expect(demo.stdout).toMatch(pglite)
    expect(demo.stdout).toMatch(PUBLIC_PASSWORDS)
    expect(demo.stdout).toMatch(/alice@example\.com +alice-demo-password +admin/)
  }, 60_000)

  it('creates PGLITE_DATA_DIR with its parents, and fails in one line naming it when it cannot', () => {
    const deep = join(app, 'var/lib/dvc/pglite')
    const made = setupIn(app, { PGLITE_DATA_DIR: deep })
    expect(made.status, made.stderr).toBe(0)
    expect(made.stdout).toContain(`auth.users created in embedded PGlite at ${deep}.`)
    writeFileSync(join(app, 'in-the-way'), 'a file, not a folder')
    const blocked = join(app, 'in-the-way/pglite')
    const failed = setupIn(app, { PGLITE_DATA_DIR: blocked })
    expect(failed.status).toBe(1)
    expect(failed.stdout).toBe('')
    const line = `dvc-db-setup: Invalid configuration: PGLITE_DATA_DIR (the embedded user source's folder): cannot create ${blocked} `
    expect(failed.stderr.startsWith(line), failed.stderr).toBe(true)
    expect(failed.stderr).toContain('PGLITE_DATA_DIR')
    expect(failed.stderr.trimEnd().split('\n')).toHaveLength(1) // one line, no stack trace
  }, 60_000)
})
