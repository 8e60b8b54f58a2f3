import postgres from 'postgres'
import { postgresRunner } from '../src/drivers/postgres.js'
import { migrateAuthSchema } from '../src/drivers/setup.js'
import { createScratchDatabase } from '../test/support/scratch-database.js'

export interface BenchUserSource {
  /** postgres:// URL of the scratch database, for worker processes. */
  url: string
  sql: postgres.Sql
  /** Inserts `count` active users in one statement; their ids, as flat strings. */
  addUsers(count: number): Promise<string[]>
  drop(): Promise<void>
}

/**
 * A database of the benchmark's own on the real Postgres, with Supabase's auth.users: every
 * benchmark's "user source" and "no cache" baseline is a real query, never an in-memory map.
 */
export async function openBenchUserSource(): Promise<BenchUserSource> {
  const scratch = await createScratchDatabase()
  const sql = postgres(scratch.url, { max: 2, onnotice: () => undefined })
  await migrateAuthSchema(postgresRunner(sql))
  return {
    url: scratch.url,
    sql,
    async addUsers(count) {
      const rows = await sql<
        { id: string }[]
      >`insert into auth.users (email) select 'bench-' || gen_random_uuid() || '@example.com' from generate_series(1, ${count}) returning id`
      // postgres.js hands back ids as JSON.parse would: flat strings, as a JWT's `sub` arrives.
      return rows.map((row) => row.id)
    },
    async drop() {
      await sql.end({ timeout: 2 })
      await scratch.drop()
    },
  }
}
