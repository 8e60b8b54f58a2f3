import postgres from 'postgres'
import type { UserSource } from './user-source.js'
import { listenForChanges } from './postgres-listener.js'
import { sqlSource, type SqlRunner } from './sql-source.js'

export interface PostgresSourceOptions {
  /** postgres:// URL of a database with Supabase's auth.users (Supabase's own, or our subset). */
  url: string
  /** Most connections this process opens. Default 5. */
  max?: number
  /** Bound on establishing a connection, in seconds (postgres.js's unit). Default 5. */
  connectTimeoutSeconds?: number
  /**
   * Where to LISTEN for the trigger's notifications (DATABASE_LISTEN_URL): a direct or
   * session-mode connection. Default `url`; set it when `url` is a transaction-mode pooler.
   */
  listenUrl?: string
}

/** The `postgres` source over porsager's postgres.js (DATABASE_URL). */
export function postgresSource(
  options: PostgresSourceOptions,
): UserSource &
  Required<Pick<UserSource, 'listen'>> & { sql: postgres.Sql; run: SqlRunner; close: () => Promise<void> } {
  const sql = postgres(options.url, {
    max: options.max ?? 5,
    connect_timeout: options.connectTimeoutSeconds ?? 5,
    onnotice: () => undefined,
  })
  const run = postgresRunner(sql)
  return {
    ...sqlSource('postgres', run),
    sql,
    run,
    listen: (channel, handlers) => listenForChanges(options.listenUrl ?? options.url, sql, channel, handlers),
    close: () => sql.end({ timeout: 2 }),
  }
}

/**
 * postgres.js as a SqlRunner. An aborted lookup cancels its statement (pg_cancel_backend over a
 * new connection), so a query the cache stopped waiting for does not hold a pooled connection.
 */
export function postgresRunner(sql: postgres.Sql): SqlRunner {
  return async (text, params, signal) => {
    signal?.throwIfAborted()
    const query = sql.unsafe(text, params as postgres.ParameterOrJSON<never>[])
    // A failed cancel (the database unreachable) is nothing to report: the lookup has failed already.
    // It cancels the connection's current statement: one that finished first makes it a no-op or,
    // rarely, cancels the next statement on that connection — which then just fails, safely.
    const cancel = () => void Promise.resolve(query.cancel()).catch(() => undefined)
    signal?.addEventListener('abort', cancel, { once: true })
    try {
      return await query
    } finally {
      signal?.removeEventListener('abort', cancel)
    }
  }
}
