import postgres from 'postgres'
import type { ChangeHandlers, ChangeListener } from './user-source.js'

/** Marks the heartbeat probes on the channel: never a user id (those are UUIDs). */
const PROBE = 'dvc-probe:'

/**
 * LISTEN on a connection of its own, so a silent death can be ended by replacing it (postgres.js
 * keeps one listen connection per client and reconnects it only when it hears it close). Needs a
 * direct or session-mode connection: a transaction-mode pooler (Supabase's port 6543, PgBouncer)
 * drops LISTEN between transactions, which the heartbeat then reports as deaf.
 * Probes are sent through `sql`, the source's own pool: heard back here, both paths work.
 */
export async function listenForChanges(
  url: string,
  sql: postgres.Sql,
  channel: string,
  handlers: ChangeHandlers,
): Promise<ChangeListener> {
  const probes = new Map<string, () => void>()
  let listener: postgres.Sql | undefined
  const start = async () => {
    const client = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => undefined })
    listener = client
    const onNotify = (payload: string) => {
      if (payload.startsWith(PROBE)) probes.get(payload)?.()
      else handlers.onChange(payload)
    }
    await client
      .listen(channel, onNotify, () => handlers.onListening())
      .catch(async (error: Error) => {
        await client.end({ timeout: 0 })
        throw error
      })
  }
  await start()
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
    async reconnect() {
      // timeout 0: a dead socket is destroyed, not waited for.
      await listener?.end({ timeout: 0 }).catch(() => undefined)
      await start()
    },
    async close() {
      await listener?.end({ timeout: 0 }).catch(() => undefined)
    },
  }
}
