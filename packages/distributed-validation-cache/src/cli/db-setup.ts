/**
 * `pnpm db:setup [--demo-users]`: creates the auth.users subset in DATABASE_URL (or the
 * embedded PGlite at PGLITE_DATA_DIR, default .data/pglite). Demo users — an admin with a
 * published password among them — only with --demo-users, or on the embedded PGlite.
 * Refuses Supabase's own schema.
 */
import { mkdirSync } from 'node:fs'
import { DEMO_USERS, ForeignSchemaError, fromEnv, migrateAuthSchema, openPglite, pgliteRunner, postgresSource, seedDemoUsers, type SqlRunner } from '../index.js'

async function main(): Promise<void> {
  const config = fromEnv()
  let run: SqlRunner
  let close: () => Promise<void>
  let where: string
  if (config.userStore.provider === 'postgres') {
    const source = postgresSource({ url: config.userStore.url })
    run = source.run
    close = source.close
    where = 'DATABASE_URL'
  } else if (config.userStore.provider === 'pglite') {
    const dir = process.env.PGLITE_DATA_DIR ?? '.data/pglite'
    mkdirSync(dir, { recursive: true })
    const db = await openPglite(dir)
    run = pgliteRunner(db)
    close = () => db.close()
    where = `embedded PGlite at ${dir}`
  } else {
    throw new ForeignSchemaError('NEXT_PUBLIC_SUPABASE_URL is set: Supabase manages auth.users itself; create demo users in its dashboard instead.')
  }
  try {
    const schema = await migrateAuthSchema(run)
    console.log(`auth.users ${schema === 'created' ? 'created' : 'already set up'} in ${where}.`)
    if (!process.argv.includes('--demo-users') && config.userStore.provider !== 'pglite') {
      console.log('No demo users added (pass --demo-users to add them: never on a real database).')
      return
    }
    const seeded = await seedDemoUsers(run)
    console.log(`${seeded} demo user(s) added (password = <name>-demo-password):`)
    for (const user of DEMO_USERS) console.log(`  ${user.email.padEnd(20)} ${user.password.padEnd(22)} ${user.note}`)
  } finally {
    await close()
  }
}

main().catch((error: Error) => {
  console.error(`db:setup: ${error.message}`)
  process.exitCode = 1
})
