import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createScratchDatabase } from './support/scratch-database.js'
import { postgresAvailable } from './support/services.js'
import { PACKAGE_ROOT, runBin } from './support/shipped-bin.js'

const postgresUp = await postgresAvailable()
const INSTALL_TIMEOUT = 180_000

// The workspace's own npm_* variables (set when vitest runs under pnpm) would point npm at this repo.
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')),
) as NodeJS.ProcessEnv
const sh = (file: string, args: string[], cwd: string) =>
  promisify(execFile)(file, args, { cwd, env: cleanEnv, timeout: INSTALL_TIMEOUT, maxBuffer: 16 * 1024 * 1024 })

/**
 * The bins as a user's app gets them: `pnpm pack` (whose prepack builds dist/), the tarball installed with
 * npm into an app folder of its own, each bin run as node_modules/.bin/<name>. It catches what the
 * workspace cannot: a file left out of `files`, a bin without its shebang, a dist/ that was not built.
 */
describe('the bins from the packed tarball, installed in an app', () => {
  let work: string
  let app: string
  let tarball: string
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'dvc-packed-'))
    await sh('pnpm', ['pack', '--pack-destination', work], PACKAGE_ROOT)
    const packed = readdirSync(work).find((name) => name.endsWith('.tgz'))
    if (!packed) throw new Error(`pnpm pack left no .tgz in ${work}`)
    tarball = join(work, packed)
    app = join(work, 'app')
    mkdirSync(app)
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'an-app', version: '1.0.0', private: true }))
    await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball], app)
  }, INSTALL_TIMEOUT)
  afterAll(() => work && rmSync(work, { recursive: true, force: true }))

  const bin = (name: string, env: Record<string, string>, ...args: string[]) =>
    runBin(join(app, 'node_modules/.bin', name), env, args, { cwd: app, timeoutMs: 60_000 })

  it('dvc-db-setup --help prints the usage, exits 0 and leaves no .data/ in the app', () => {
    const help = bin('dvc-db-setup', {}, '--help')
    expect(help.stderr).toBe('')
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^Usage: dvc-db-setup \[--demo-users\] \[--triggers\]/)
    for (const word of ['--demo-users', '-h, --help', 'DATABASE_URL', 'PGLITE_DATA_DIR']) {
      expect(help.stdout).toContain(word)
    }
    expect(existsSync(join(app, '.data'))).toBe(false)
  })

  it('dvc-db-setup --bogus refuses in one line plus the usage, exit 2, and leaves no .data/', () => {
    const refused = bin('dvc-db-setup', {}, '--bogus')
    expect(refused.status).toBe(2)
    expect(refused.stdout).toBe('')
    expect(
      refused.stderr.startsWith("dvc-db-setup: unknown option '--bogus'\n\nUsage: dvc-db-setup"),
      refused.stderr,
    ).toBe(true)
    expect(existsSync(join(app, '.data'))).toBe(false)
  })

  it('dvc-doctor --help prints the usage and exits 0; an unknown flag exits 2', () => {
    const help = bin('dvc-doctor', {}, '--help')
    expect(help.stderr).toBe('')
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^Usage: dvc-doctor \[--strict\]\n/)
    expect(help.stdout).not.toMatch(/doctor: (not )?healthy/)
    const refused = bin('dvc-doctor', {}, '-x')
    expect(refused.status).toBe(2)
    expect(refused.stderr.startsWith("dvc-doctor: unknown option '-x'\n\nUsage: dvc-doctor"), refused.stderr).toBe(true)
  })

  // An ESM-only package: attw's esm-only profile leaves out node10 and require(), which it cannot serve.
  it('publint (strict) and arethetypeswrong find nothing wrong with the tarball', async () => {
    const tool = (name: string) => join(PACKAGE_ROOT, 'node_modules/.bin', name)
    const lint = await sh(tool('publint'), ['--strict', tarball], work)
    expect(lint.stdout).toContain('All good!')
    const types = await sh(tool('attw'), [tarball, '--profile', 'esm-only', '--format', 'json'], work) // exit 0
    const { analysis, problems } = JSON.parse(types.stdout) as {
      analysis: { entrypoints: Record<string, unknown> }
      problems: Record<string, { resolutionKind?: string }[]>
    }
    const exportsMap = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).exports as Record<
      string,
      unknown
    >
    expect(Object.keys(analysis.entrypoints).sort()).toEqual(Object.keys(exportsMap).sort()) // every subpath checked
    const counted = Object.entries(problems).flatMap(([kind, found]) => found.map((p) => `${kind} ${p.resolutionKind}`))
    expect(counted.filter((p) => !/ (node10|node16-cjs)$/.test(p))).toEqual([]) // ESM and bundler: no problem
  })

  it('the tarball carries its README and no tests', () => {
    const shipped = join(app, 'node_modules/distributed-validation-cache')
    expect(readFileSync(join(shipped, 'README.md'), 'utf8')).toMatch(/^# distributed-validation-cache\n/)
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
      )
    expect(files(shipped).filter((f) => /\.test\.[jt]s(\.map)?$|\.test\.d\.ts$/.test(f))).toEqual([])
  })

  it('without the client its backend needs, a bin says in one line which package to add', () => {
    // The app installed only the package: its drivers' clients are optional peers.
    const missing = bin('dvc-db-setup', { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres' })
    expect(missing.status).toBe(1)
    expect(missing.stderr).toBe(
      'dvc-db-setup: DATABASE_URL needs postgres, which is not installed: add it to your app (pnpm add postgres)\n',
    )
    expect(existsSync(join(app, 'node_modules/ioredis'))).toBe(false) // nor any other client it did not ask for
    expect(existsSync(join(app, 'node_modules/@electric-sql/pglite'))).toBe(false)
  })

  describe.skipIf(!postgresUp)('against a scratch Postgres', () => {
    let scratch: Awaited<ReturnType<typeof createScratchDatabase>>
    beforeAll(async () => {
      // What the README tells an app on Postgres to add beside the package.
      const { devDependencies: dev } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>
      }
      await sh(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--prefer-offline',
          '--loglevel=error',
          `postgres@${dev.postgres}`,
          `bcryptjs@${dev.bcryptjs}`,
        ],
        app,
      )
      scratch = await createScratchDatabase()
    }, INSTALL_TIMEOUT)
    afterAll(() => scratch?.drop())
    const users = async (where = 'true') => {
      const sql = postgres(scratch.url, { max: 1, onnotice: () => undefined })
      try {
        return (await sql.unsafe(`select count(*)::int as n from auth.users where ${where}`))[0]!.n as number
      } finally {
        await sql.end()
      }
    }

    it('dvc-db-setup seeds no user unless --demo-users, and then says the passwords are public', async () => {
      const plain = bin('dvc-db-setup', { DATABASE_URL: scratch.url })
      expect(plain.stderr).toBe('')
      expect(plain.status).toBe(0)
      expect(plain.stdout).toMatch(/^auth\.users created in DATABASE_URL\.\nNo demo users added/)
      expect(await users()).toBe(0)
      const demo = bin('dvc-db-setup', { DATABASE_URL: scratch.url }, '--demo-users')
      expect(demo.status).toBe(0)
      expect(demo.stdout).toMatch(/^auth\.users already set up in DATABASE_URL\.\n4 demo user\(s\) added/)
      expect(demo.stdout).toMatch(/passwords are public \(published in the README\): never use them on a real database/)
      expect(await users("email = 'alice@example.com'")).toBe(1)
    })
  })
})
