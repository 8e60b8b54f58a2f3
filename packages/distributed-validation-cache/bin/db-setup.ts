/**
 * `pnpm db:setup`: creates the auth.users subset in DATABASE_URL (or the embedded PGlite at
 * PGLITE_DATA_DIR, default .data/pglite) and seeds the demo users. Refuses Supabase's own schema.
 */
import { mkdirSync } from 'node:fs'
import { DEMO_USERS, ForeignSchemaError, fromEnv, migrateAuthSchema, openPglite, postgresSource, seedDemoUsers, type SqlRunner } from '../src/index.js'

async function main(): Promise<void> {
  const config = fromEnv()
  let run: SqlRunner
  let close: () => Promise<void>
  let where: string
  if (config.userStore.provider === 'postgres') {
    const source = postgresSource({ url: config.userStore.url })
    run = (text, params) => source.sql.unsafe(text, params as never[])
    close = source.close
    where = 'DATABASE_URL'
  } else if (config.userStore.provider === 'pglite') {
    const dir = process.env.PGLITE_DATA_DIR ?? '.data/pglite'
    mkdirSync(dir, { recursive: true })
    const db = await openPglite(dir)
    run = async (text, params) => (await db.query<Record<string, unknown>>(text, params)).rows
    close = () => db.close()
    where = `embedded PGlite at ${dir}`
  } else {
    throw new ForeignSchemaError('NEXT_PUBLIC_SUPABASE_URL is set: Supabase manages auth.users itself; create demo users in its dashboard instead.')
  }
  try {
    const schema = await migrateAuthSchema(run)
    const seeded = await seedDemoUsers(run)
    console.log(`auth.users ${schema === 'created' ? 'created' : 'already set up'} in ${where}; ${seeded} demo user(s) added.`)
    console.log('Demo users (password = <name>-demo-password):')
    for (const user of DEMO_USERS) console.log(`  ${user.email.padEnd(20)} ${user.password.padEnd(22)} ${user.note}`)
  } finally {
    await close()
  }
}

main().catch((error: Error) => {
  console.error(`db:setup: ${error.message}`)
  process.exitCode = 1
})
