import postgres from 'postgres'
import type { UserSource } from '../user-source.js'
import { sqlSource } from './sql-source.js'

export interface PostgresSourceOptions {
  /** postgres:// URL of a database with Supabase's auth.users (Supabase's own, or our subset). */
  url: string
  /** Most connections this process opens. Default 5. */
  max?: number
  /** Bound on establishing a connection, in seconds (postgres.js's unit). Default 5. */
  connectTimeoutSeconds?: number
}

/** The `postgres` source over porsager's postgres.js (DATABASE_URL). */
export function postgresSource(options: PostgresSourceOptions): UserSource & { sql: postgres.Sql; close: () => Promise<void> } {
  const sql = postgres(options.url, { max: options.max ?? 5, connect_timeout: options.connectTimeoutSeconds ?? 5, onnotice: () => undefined })
  const source = sqlSource('postgres', (text, params) => sql.unsafe(text, params as postgres.ParameterOrJSON<never>[]))
  return { ...source, sql, close: () => sql.end({ timeout: 2 }) }
}
