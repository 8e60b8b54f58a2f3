import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createScratchDatabase } from './support/scratch-database.js'
import { postgresAvailable } from './support/services.js'
import { runShippedBin } from './support/shipped-bin.js'

const postgresUp = await postgresAvailable()
const setup = (env: Record<string, string>, ...args: string[]) => runShippedBin('dvc-db-setup', env, args)

/** The shipped `dvc-db-setup` bin (`pnpm run db:setup`), run by plain node against real Postgres. */
describe.skipIf(!postgresUp)('dvc-db-setup', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>
  beforeAll(async () => void (scratch = await createScratchDatabase()))
  afterAll(() => scratch?.drop())

  it('creates auth.users once, adds demo users only when asked, and says which it did', async () => {
    const first = setup({ DATABASE_URL: scratch.url })
    expect(first.stdout).toMatch(/auth\.users created in DATABASE_URL\.\nNo demo users added/)
    expect(first.status).toBe(0)
    const again = setup({ DATABASE_URL: scratch.url }, '--demo-users')
    expect(again.status).toBe(0)
    expect(again.stdout).toMatch(/auth\.users already set up in DATABASE_URL\.\n\d+ demo user\(s\) added/)
    const sql = postgres(scratch.url, { max: 1, onnotice: () => undefined })
    try {
      expect((await sql`select count(*)::int as n from auth.users where email = 'alice@example.com'`)[0]!.n).toBe(1)
    } finally {
      await sql.end()
    }
  })

  it('fails in one line with exit 1 on a bad environment', () => {
    const bad = setup({ DATABASE_URL: 'mysql://nope' })
    expect(bad.status).toBe(1)
    expect(bad.stderr).toMatch(/^db:setup: .*DATABASE_URL/m)
    expect(bad.stderr).not.toMatch(/\n\s+at /) // no stack trace
  })
})
