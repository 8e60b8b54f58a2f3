import type { AuthOptions } from 'next-auth'
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import {
  ConfigError,
  createValidationCache,
  describe,
  FleetMetrics,
  fromEnv,
  type Config,
  type UserAdmin,
  type ValidationCache,
} from 'distributed-validation-cache'
import { oncePerProcess, optionsFromConfig, userSourceFromConfig } from 'distributed-validation-cache/env'
import { withValidation } from 'distributed-validation-cache/next-auth'
import { authOptionsFor } from './auth-options'
import { BENCHMARK_BASELINE_NO_VALIDATION } from './benchmark-baseline'

export interface Runtime {
  config: Config
  cache: ValidationCache
  admin: UserAdmin
  authOptions: AuthOptions
  secret: string
  instance: string
  metrics: FleetMetrics
  startedAt: number
}

/**
 * One cache, one user source and one set of auth options per server process, shared by the
 * proxy and every route: Next evaluates this module once per bundle, so a module-level singleton
 * would be built several times (oncePerProcess keeps one on globalThis). A config error is
 * reported on every request until fixed, not cached.
 */
export function runtime(): Promise<Runtime> {
  return oncePerProcess('demo-web:runtime', create)
}

/**
 * The configuration this process will run with, checked without connecting to anything:
 * instrumentation.ts calls it at boot, so a bad env stops `next start` with its one line.
 */
export function checkConfig(): Config {
  const config = fromEnv()
  if (!config.nextAuth.secret) assertEmbedded(config)
  return config
}

async function create(): Promise<Runtime> {
  const config = checkConfig()
  const secret = config.nextAuth.secret ?? embeddedSecret()
  const users = await userSourceFromConfig(config, { pgliteDataDir: process.env.PGLITE_DATA_DIR ?? '.data/pglite' })
  // One name for this process in the cache's stats and in fleet metrics alike (os.hostname(), not
  // $HOSTNAME, which Next's Docker images set to 0.0.0.0 on every host).
  const instance = config.instanceId ?? `${hostname()}:${process.env.PORT ?? '3000'}`
  const options = await optionsFromConfig({ ...config, instanceId: instance })
  const cache = createValidationCache({ ...options, source: users.source })
  await cache.ready()
  const metrics = new FleetMetrics(cache, {
    store: options.store!,
    prefix: config.prefix,
    instanceId: instance,
    secret: options.secret ?? randomBytes(32).toString('base64url'),
  }).start()
  console.log(`[demo-web] ${instance}\n${describe(config)}`)
  const authOptions = authOptionsFor({ config, secret, users, metrics })
  return {
    config,
    cache,
    admin: users.admin,
    authOptions: BENCHMARK_BASELINE_NO_VALIDATION ? authOptions : withValidation(authOptions, cache),
    secret,
    instance,
    metrics,
    startedAt: Date.now(),
  }
}

/**
 * Without NEXTAUTH_SECRET, only the embedded single-process demo runs, on a random secret:
 * a fixed fallback would let anyone sign their own admin session.
 */
function assertEmbedded(config: Config): void {
  if (config.userSource.provider === 'pglite' && config.cache.provider === 'memory') return
  throw new ConfigError([
    {
      variable: 'NEXTAUTH_SECRET',
      message: 'is required with a shared cache or user source (generate one: openssl rand -base64 32)',
    },
  ])
}

function embeddedSecret(): string {
  console.warn('[demo-web] NEXTAUTH_SECRET is not set: embedded demo on a random secret (sessions end on restart).')
  return randomBytes(32).toString('base64url')
}
