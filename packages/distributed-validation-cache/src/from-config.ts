import type { Config } from './config.js'
import { migrateAuthSchema } from './sources/auth-schema.js'
import { seedDemoUsers } from './sources/demo-users.js'
import { openPglite, pgliteSource } from './sources/pglite.js'
import { postgresSource } from './sources/postgres.js'
import { supabaseSource } from './sources/supabase.js'
import type { UserSource } from './user-source.js'
import type { ValidationCacheOptions } from './options.js'
import type { Store } from './store.js'
import { memoryStore } from './stores/memory.js'
import { redisStore } from './stores/redis.js'
import { upstashStore } from './stores/upstash.js'

/** The store the configuration asks for. */
export function storeFromConfig(config: Config): Store {
  const { cache } = config
  if (cache.provider === 'redis') return redisStore(cache.url, { commandTimeoutMs: Math.max(config.storeTimeoutMs * 4, 1_000), onError: warnAtMostEvery(30_000) })
  if (cache.provider === 'upstash') return upstashStore({ url: cache.url, token: cache.token, timeoutMs: config.storeTimeoutMs, subscribe: config.subscribe })
  return memoryStore({ maxSize: config.l1MaxSize })
}

/**
 * The user source the configuration asks for: Supabase's admin API, a Postgres with auth.users,
 * or — with neither set — an embedded PGlite, migrated and seeded with the demo users.
 */
export async function sourceFromConfig(config: Config, options: { pgliteDataDir?: string } = {}): Promise<UserSource & { close?: () => Promise<void> }> {
  const store = config.userStore
  if (store.provider === 'supabase') return supabaseSource({ url: store.url, serviceRoleKey: store.serviceRoleKey, timeoutMs: config.sourceTimeoutMs })
  if (store.provider === 'postgres') return postgresSource({ url: store.url })
  const db = await openPglite(options.pgliteDataDir)
  const source = pgliteSource(db)
  const run = async (text: string, params: unknown[]) => (await db.query<Record<string, unknown>>(text, params)).rows
  await migrateAuthSchema(run)
  await seedDemoUsers(run)
  return { ...source, close: () => db.close() }
}

/** Cache options from env config; pass the result, plus a `source`, to createValidationCache(). */
export function optionsFromConfig(config: Config): Omit<ValidationCacheOptions, 'source'> {
  return {
    store: storeFromConfig(config),
    enabled: config.enabled,
    ttl: config.ttlMs,
    negativeTtl: config.negativeTtlMs,
    grace: config.graceMs,
    ...(config.l1TtlMs !== undefined ? { l1Ttl: config.l1TtlMs } : {}),
    l1MaxSize: config.l1MaxSize,
    storeTimeout: config.storeTimeoutMs,
    sourceTimeout: config.sourceTimeoutMs,
    subscribe: config.subscribe,
    prefix: config.prefix,
    ...(config.secret ? { secret: config.secret } : {}),
    ...(config.instanceId ? { instanceId: config.instanceId } : {}),
  }
}

/** Connection errors repeat many times a second while Redis is down: one line per interval is enough. */
function warnAtMostEvery(intervalMs: number): (error: Error) => void {
  let last = 0
  return (error) => {
    if (Date.now() - last < intervalMs) return
    last = Date.now()
    console.warn(`[distributed-validation-cache] redis: ${error.message} (validation continues on L1 and the user store)`)
  }
}
