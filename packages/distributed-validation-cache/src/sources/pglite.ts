import { accessSync, constants, mkdirSync } from 'node:fs'
import { resolve } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { ConfigError } from '../errors.js'
import type { UserSource } from './user-source.js'
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

/**
 * Opens (and on first use creates) an embedded database. A folder `dataDir` is created with its
 * parents first: PGlite makes only the last level, so a fresh checkout's `.data/pglite` failed
 * with ENOENT on every request. A folder that cannot be made or written is a ConfigError naming
 * the path and PGLITE_DATA_DIR, rather than PGlite's bare errno from somewhere inside Emscripten.
 */
export async function openPglite(dataDir?: string): Promise<PGlite> {
  if (!dataDir) return PGlite.create({})
  const folder = nodeFolder(dataDir)
  if (folder !== undefined) ensureWritableFolder(folder)
  return PGlite.create({ dataDir })
}

/** The folder PGlite's Node filesystem uses, or undefined for its in-memory and browser stores. */
function nodeFolder(dataDir: string): string | undefined {
  if (dataDir.startsWith('file://')) return dataDir.slice('file://'.length) // PGlite's prefix, not a URL
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir) ? undefined : dataDir // memory://, idb://, opfs-ahp://
}

function ensureWritableFolder(folder: string): void {
  const path = resolve(folder) // absolute: a relative default depends on the cwd the server was started in
  let step = 'create'
  try {
    mkdirSync(path, { recursive: true })
    step = 'write to'
    accessSync(path, constants.W_OK) // an existing read-only folder: PGlite's own error would not name it
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message
    const why = code === 'ENOTDIR' || code === 'EEXIST' ? `${code}: a file is in the way` : code
    throw new ConfigError([
      {
        variable: 'PGLITE_DATA_DIR',
        message:
          `(the embedded user source's folder): cannot ${step} ${path} (${why}); ` +
          'set PGLITE_DATA_DIR to a folder this user can write, or DATABASE_URL to use a Postgres',
      },
    ])
  }
}
