import postgres from 'postgres'
import type { ChangeHandlers, ChangeListener } from './user-source.js'

/** Marks the heartbeat probes on the channel: never a user id (those are UUIDs). */
const PROBE = 'dvc-probe:'

/**
 * LISTEN on a connection of its own, so a silent death can be ended by replacing it (postgres.js
 * keeps one listen connection per client). Needs a direct or session-mode connection: a
 * transaction-mode pooler (Supabase's port 6543, PgBouncer) drops LISTEN between transactions,
 * which the heartbeat then reports as deaf. Probes are sent through `sql`, the source's own pool:
 * heard back here, both paths work. postgres.js LISTENs again by itself after a loud drop; that
 * is reported (onRelisten), as notifications sent meanwhile are lost.
 */
export async function listenForChanges(
  url: string,
  sql: postgres.Sql,
  channel: string,
  handlers: ChangeHandlers,
): Promise<ChangeListener> {
  const probes = new Map<string, () => void>()
  const client = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => undefined })
  let listens = 0
  const onNotify = (payload: string) => {
    if (payload.startsWith(PROBE)) probes.get(payload)?.()
    else handlers.onChange(payload)
  }
  await client
    .listen(channel, onNotify, () => void (listens++ > 0 && handlers.onRelisten()))
    .catch(async (error) => {
      await client.end({ timeout: 0 })
      throw error
    })
  return {
    async ping() {
      const probe = `${PROBE}${crypto.randomUUID()}`
      const heard = new Promise<void>((resolve) => probes.set(probe, resolve))
      try {
        await sql`select pg_notify(${channel}, ${probe})`
        await heard
      } finally {
        probes.delete(probe)
      }
    },
    async changesSince(since) {
      // Written by the auth.users trigger (v2); none to read where it is older or not installed.
      const rows = await sql`select distinct user_id::text as id from dvc.user_changes
        where changed_at >= to_timestamp(${since / 1000})`.catch((error: { code?: string }) => {
        if (error.code === '42P01') return [] // undefined_table: a v1 trigger, or none
        throw error
      })
      return rows.map((row) => String(row.id))
    },
    async close() {
      await client.end({ timeout: 0 }) // a dead socket is destroyed, not waited for
    },
  }
}
