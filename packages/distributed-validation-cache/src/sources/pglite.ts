import { PGlite } from '@electric-sql/pglite'
import type { UserSource } from '../user-source.js'
import { sqlSource } from './sql-source.js'

/**
 * The embedded default: Postgres compiled to WebAssembly, in this process, no server needed.
 * `dataDir` keeps the database on disk (reopening takes ~0.6 s; a fresh one 3–4 s).
 */
export function pgliteSource(db: PGlite): UserSource & { db: PGlite } {
  const source = sqlSource('pglite', async (text, params) => (await db.query<Record<string, unknown>>(text, params)).rows)
  return { ...source, db }
}

export async function openPglite(dataDir?: string): Promise<PGlite> {
  return PGlite.create(dataDir ? { dataDir } : {})
}
