import { hostname } from 'node:os'
import { createValidationCache, type ValidationCache } from '../cache.js'
import { randomToken } from '../crypto/signing.js'
import { fromEnv, signingSecret, type Config } from './config.js'
import { FleetMetrics } from '../observability/fleet-metrics.js'
import { oncePerProcess } from './once-per-process.js'
import type { UserSource } from '../sources/user-source.js'
import { sqlUserAdmin, type UserAdmin } from '../admin/user-admin.js'
import { ConfigError } from '../errors.js'
import { importDriver, loadDriver as driver } from './load-driver.js'
import type { Credentials, SignedInUser } from '../sources/signed-in-user.js'
import type { ValidationCacheOptions } from '../options.js'
import type { MetricsStore, Store } from '../stores/store.js'
import { memoryStore } from '../stores/memory.js'

/** The store the configuration asks for, its driver loaded on demand. */
export async function storeFromConfig(config: Config): Promise<Store & MetricsStore> {
  const { cache } = config
  if (cache.provider === 'redis') {
    const { redisStore } = await driver(
      () => importDriver<typeof import('../drivers/redis.js')>('redis'),
      'ioredis',
      'REDIS_URL',
    )
    return redisStore(cache.url, {
      commandTimeoutMs: Math.max(config.storeTimeoutMs * 4, 1_000),
      onError: warnAtMostEvery(30_000),
    })
  }
  if (cache.provider === 'upstash') {
    const { upstashStore } = await driver(
      () => importDriver<typeof import('../drivers/upstash.js')>('upstash'),
      '@upstash/redis',
      'UPSTASH_REDIS_REST_URL',
    )
    return upstashStore({
      url: cache.url,
      token: cache.token,
      timeoutMs: config.storeTimeoutMs,
      subscribe: config.subscribe,
    })
  }
  return memoryStore({ maxSize: config.l1MaxSize })
}

export interface ConfiguredUserSource {
  source: UserSource
  admin: UserAdmin
  /** A next-auth Credentials `authorize` for this store. */
  authorize: (credentials: Credentials) => Promise<SignedInUser | null>
  close: () => Promise<void>
}

/**
 * The user source the configuration asks for: Supabase Auth, a Postgres with auth.users, or —
 * with neither set — an embedded PGlite, migrated and seeded with the demo users.
 */
export async function userSourceFromConfig(
  config: Config,
  options: { pgliteDataDir?: string } = {},
): Promise<ConfiguredUserSource> {
  const store = config.userSource
  if (store.provider === 'supabase') {
    if (!store.anonKey)
      throw new ConfigError([
        { variable: 'NEXT_PUBLIC_SUPABASE_ANON_KEY', message: 'is required to sign users in through Supabase Auth' },
      ])
    const { supabaseSource, supabaseUserAdmin, authorizeWithSupabase } = await driver(
      () => importDriver<typeof import('../drivers/supabase.js')>('supabase'),
      '@supabase/supabase-js',
      'SUPABASE_URL',
    )
    const source = supabaseSource({
      url: store.url,
      serviceRoleKey: store.serviceRoleKey,
      timeoutMs: config.sourceTimeoutMs,
    })
    const authorize = authorizeWithSupabase({ url: store.url, anonKey: store.anonKey })
    return { source, admin: supabaseUserAdmin(source.client, source.clock), authorize, close: async () => undefined }
  }
  if (store.provider === 'postgres') {
    const { postgresSource, authorizeWithPostgres } = await driver(
      () => importDriver<typeof import('../drivers/postgres.js')>('postgres'),
      'postgres and bcryptjs',
      'DATABASE_URL',
    )
    const source = postgresSource({ url: store.url, ...(store.listenUrl ? { listenUrl: store.listenUrl } : {}) })
    return {
      source,
      admin: sqlUserAdmin(source.run),
      authorize: authorizeWithPostgres(source.run),
      close: source.close,
    }
  }
  const why = 'PGLITE_DATA_DIR (no DATABASE_URL or SUPABASE_URL is set)'
  const [{ openPglite, pgliteSource, authorizeWithPostgres }, { migrateAuthSchema, seedDemoUsers }] = await Promise.all(
    [
      driver(
        () => importDriver<typeof import('../drivers/pglite.js')>('pglite'),
        '@electric-sql/pglite and bcryptjs',
        why,
      ),
      driver(() => importDriver<typeof import('../drivers/setup.js')>('setup'), 'bcryptjs', why),
    ],
  )
  const source = pgliteSource(await openPglite(options.pgliteDataDir))
  await migrateAuthSchema(source.run)
  await seedDemoUsers(source.run)
  return {
    source,
    admin: sqlUserAdmin(source.run),
    authorize: authorizeWithPostgres(source.run),
    close: () => source.db.close(),
  }
}

/** Cache options from env config; pass the result, plus a `source`, to createValidationCache(). */
export async function optionsFromConfig(config: Config): Promise<Omit<ValidationCacheOptions, 'source'>> {
  return {
    store: await storeFromConfig(config),
    enabled: config.enabled,
    ttl: config.ttlMs,
    negativeTtl: config.negativeTtlMs,
    grace: config.graceMs,
    ...(config.l1TtlMs !== undefined ? { l1Ttl: config.l1TtlMs } : {}),
    l1MaxSize: config.l1MaxSize,
    storeTimeout: config.storeTimeoutMs,
    sourceTimeout: config.sourceTimeoutMs,
    subscribe: config.subscribe,
    listen: config.listen,
    prefix: config.prefix,
    ...(await signingSecret(config).then((secret) => (secret ? { secret } : {}))),
    ...(config.instanceId ? { instanceId: config.instanceId } : {}),
  }
}

/** Connection errors repeat many times a second while Redis is down: one line per interval is enough. */
function warnAtMostEvery(intervalMs: number): (error: Error) => void {
  let last = 0
  return (error) => {
    if (Date.now() - last < intervalMs) return
    last = Date.now()
    console.warn(
      `[distributed-validation-cache] redis: ${error.message} (validation continues on L1 and the user source)`,
    )
  }
}

export interface EnvCache {
  config: Config
  cache: ValidationCache
  users: ConfiguredUserSource
  /** Fleet-wide counts for /api/observability; call `metrics.recordLogin()` from next-auth's `events.signIn`. */
  metrics: FleetMetrics
}

/**
 * The cache, the user source and the fleet metrics the environment describes — one set per process,
 * however many bundles import it (oncePerProcess), built on the first call: nothing connects
 * while `next build` evaluates modules. Call it inside handlers, not at module top level.
 * INSTANCE_ID defaults to host:port, so a restart is the same instance in fleet metrics.
 */
export async function cacheFromEnv(
  env: Record<string, string | undefined> = process.env,
  options: { pgliteDataDir?: string } = {},
): Promise<EnvCache> {
  const config = fromEnv(env)
  const instanceId = config.instanceId ?? `${hostname()}:${env.PORT ?? '3000'}`
  return oncePerProcess(`env:${config.prefix}:${instanceId}`, async () => {
    const users = await userSourceFromConfig(config, { pgliteDataDir: options.pgliteDataDir ?? env.PGLITE_DATA_DIR })
    const cacheOptions = await optionsFromConfig({ ...config, instanceId })
    const cache = createValidationCache({ ...cacheOptions, source: users.source })
    await cache.ready()
    const secret = (await signingSecret(config)) ?? randomToken()
    const metrics = new FleetMetrics(cache, {
      store: cacheOptions.store!,
      prefix: config.prefix,
      instanceId,
      secret,
    }).start()
    return { config: { ...config, instanceId }, cache, users, metrics }
  })
}
