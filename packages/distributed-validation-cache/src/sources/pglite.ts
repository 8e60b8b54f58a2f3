import { PGlite } from '@electric-sql/pglite'
import type { UserSource } from '../user-source.js'
import { sqlSource, type SqlRunner } from './sql-source.js'

/**
 * The embedded default: Postgres compiled to WebAssembly, in this process, no server needed.
 * `dataDir` keeps the database on disk (reopening takes ~0.6 s; a fresh one 3–4 s).
 */
export function pgliteSource(db: PGlite): UserSource & { db: PGlite; run: SqlRunner } {
  const run = pgliteRunner(db)
  return { ...sqlSource('pglite', run), db, run }
}

/** PGlite as a SqlRunner. */
export function pgliteRunner(db: PGlite): SqlRunner {
  return async (text, params) => (await db.query<Record<string, unknown>>(text, params)).rows
}

export async function openPglite(dataDir?: string): Promise<PGlite> {
  return PGlite.create(dataDir ? { dataDir } : {})
}
