import { randomUUID } from 'node:crypto'
import { describe, fromEnv, type Config } from './config.js'
import { withDeadline } from '../deadline.js'
import { checkEventPaths } from './doctor-event-paths.js'
import { ConfigError } from '../errors.js'
import { storeFromConfig, userSourceFromConfig } from './from-config.js'
import type { SqlRunner } from '../sources/sql-source.js'
import { subscribeOverSse } from '../stores/sse-subscription.js'

export interface DoctorReport {
  lines: string[]
  problems: string[]
  warnings: string[]
}

/**
 * `pnpm run doctor`: reads the same environment as the app and checks it end to end — the backend
 * and why, round trips to the cache and the user source, the user source's clock, the paths by
 * which bans made outside the app reach it, and settings that work but will hurt. Problems fail
 * (exit 1); warnings do not, unless --strict.
 */
export async function doctor(env: Record<string, string | undefined> = process.env): Promise<DoctorReport> {
  const report: DoctorReport = { lines: [], problems: [], warnings: [] }
  let config: Config
  try {
    config = fromEnv(env)
  } catch (error) {
    if (error instanceof ConfigError) return { ...report, problems: [error.message] }
    throw error
  }
  report.lines.push(...describe(config).split('\n'))
  // Bounded: a store that accepts connections and then stalls must not hang the doctor.
  const bounded = (what: string, check: Promise<void>) =>
    withDeadline(check, CHECK_DEADLINE_MS, () => new Error(`timed out after ${CHECK_DEADLINE_MS / 1000} s`)).catch(
      (error: Error) => void report.problems.push(`${what}: ${error.message}`),
    )
  await bounded(`cache (${config.cache.provider})`, checkCache(config, report))
  await bounded(`user source (${config.userSource.provider})`, checkUserSource(config, report, env))
  await bounded('event paths (auth.users trigger, LISTEN)', checkEventPaths(config, report, env))
  warnAbout(config, report, env)
  return report
}

const CHECK_DEADLINE_MS = 15_000

/** One warm-up call (connection setup), then the median of five: a round trip, not a handshake. */
async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  let value = await work()
  const samples: number[] = []
  for (let i = 0; i < 5; i++) {
    const started = performance.now()
    value = await work()
    samples.push(performance.now() - started)
  }
  return { ms: Math.round(samples.sort((a, b) => a - b)[2]! * 100) / 100, value }
}

async function checkCache(config: Config, report: DoctorReport): Promise<void> {
  const key = `${config.prefix}doctor:${randomUUID()}`
  let store: Awaited<ReturnType<typeof storeFromConfig>> | undefined
  try {
    store = await storeFromConfig(config)
    const s = store
    const trip = await timed(async () => {
      await s.set(key, 'ok', { ttlMs: 10_000 })
      const value = await s.get(key)
      await s.delete(key)
      return value
    })
    if (trip.value !== 'ok')
      report.problems.push(`cache (${config.cache.provider}): wrote "ok" but read ${JSON.stringify(trip.value)}`)
    else report.lines.push(`cache round trip (SET + GET + DEL, median of 5): ${trip.ms} ms`)
  } catch (error) {
    report.problems.push(`cache (${config.cache.provider}) unreachable: ${(error as Error).message}`)
  } finally {
    await store?.close().catch(() => undefined)
  }
}

async function checkUserSource(
  config: Config,
  report: DoctorReport,
  env: Record<string, string | undefined>,
): Promise<void> {
  if (config.userSource.provider === 'pglite') {
    // Opening it would migrate and seed it, and a data directory serves one process at a time.
    report.lines.push('user source: embedded PGlite — not opened by doctor (the app may hold it; one process only)')
    return
  }
  try {
    const store = await userSourceFromConfig(config, { pgliteDataDir: env.PGLITE_DATA_DIR })
    try {
      const trip = await timed(() => store.source.fetchUser(randomUUID(), AbortSignal.timeout(config.sourceTimeoutMs)))
      report.lines.push(`user source round trip (${store.source.name}, one lookup, median of 5): ${trip.ms} ms`)
      const skew =
        config.userSource.provider === 'supabase'
          ? await httpClockSkewMs(`${config.userSource.url}/auth/v1/health`)
          : await clockSkewMs(store.source)
      if (skew !== undefined) {
        report.lines.push(`user source clock: ${skew >= 0 ? '+' : ''}${skew} ms from this machine`)
        if (Math.abs(skew) > 2_000)
          report.warnings.push(
            `the user source's clock is ${skew} ms off: bans end early or late by that much (run NTP on both)`,
          )
      }
    } finally {
      await store.close()
    }
  } catch (error) {
    report.problems.push(`user source (${config.userSource.provider}) unreachable: ${(error as Error).message}`)
  }
}

// banned_until is written by the user source's clock and compared with ours.
async function clockSkewMs(source: { name: string }): Promise<number | undefined> {
  const s = source as { run?: SqlRunner } // the SQL sources (Postgres, PGlite) carry their runner
  if (!s.run) return undefined
  const before = Date.now()
  const [row] = await s.run('select (extract(epoch from clock_timestamp()) * 1000)::float8 as now', [])
  return Math.round(Number(row?.now) - (before + Date.now()) / 2)
}

// Supabase Auth tells its time only in the HTTP Date header: whole seconds, good enough for NTP trouble.
async function httpClockSkewMs(url: string): Promise<number | undefined> {
  const before = Date.now()
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined)
  const date = response?.headers.get('date')
  await response?.body?.cancel()
  return date ? Math.round(Date.parse(date) + 500 - (before + Date.now()) / 2) : undefined
}

function warnAbout(config: Config, report: DoctorReport, env: Record<string, string | undefined>): void {
  const severalInstances =
    env.VERCEL === '1' || Number(env.WEB_CONCURRENCY ?? 1) > 1 || Number(env.INSTANCE_COUNT ?? 1) > 1
  if (config.cache.provider === 'memory') {
    const text =
      'memory cache: each instance keeps its own — with several instances, set REDIS_URL or UPSTASH_REDIS_REST_URL'
    if (severalInstances)
      report.warnings.push(`${text} (this environment runs several: VERCEL, WEB_CONCURRENCY or INSTANCE_COUNT)`)
    else report.lines.push(`${text}; fine for one`)
  }
  const maxAge = config.nextAuth.sessionMaxAgeMs
  if (config.ttlMs > maxAge)
    report.warnings.push(
      `VALIDATION_CACHE_TTL (${config.ttlMs / 1000} s) is longer than the session max age (${maxAge / 1000} s)`,
    )
  if (!config.webhookSecret)
    report.warnings.push(
      'REVALIDATION_WEBHOOK_SECRET is not set: bans made in the Supabase dashboard take up to the TTL ' +
        'to lock users out',
    )
  if (!config.observabilityToken)
    report.warnings.push('OBSERVABILITY_TOKEN is not set: /api/observability and /api/metrics answer admins only')
  if (!config.subscribe) {
    const l1 = config.l1TtlMs ?? 1_000
    const text = `no broadcasts (VALIDATION_CACHE_SUBSCRIBE=false): lockout is bounded by the L1 TTL (${l1 / 1000} s)`
    if (l1 > 2_000) report.warnings.push(`${text} — set VALIDATION_CACHE_L1_TTL="1 s"`)
    else report.lines.push(text)
  }
}

/**
 * A broadcast sent by this process on the configured backend, heard back on its own subscription:
 * the round trip in ms, or null when it did not come back within `deadlineMs` (a proxy that does
 * not stream, a blocked channel, a store that is down). Memory: 0, there is no fleet.
 */
export async function broadcastRoundTrip(config: Config, deadlineMs = 3_000): Promise<number | null> {
  if (config.cache.provider === 'memory') return 0
  const store = await storeFromConfig({ ...config, subscribe: true }).catch(() => null)
  if (!store) return null
  const channel = `${config.prefix}doctor`
  const nonce = randomUUID()
  let heard: () => void = () => undefined
  const back = new Promise<void>((resolve) => (heard = resolve))
  try {
    const subscription = await withDeadline(
      store.subscribe(channel, { onMessage: (m) => m === nonce && heard() }),
      deadlineMs,
      () => new Error('no subscription'),
    )
    const sent = performance.now()
    await withDeadline(store.publish(channel, nonce), deadlineMs, () => new Error('publish timed out'))
    await withDeadline(back, deadlineMs, () => new Error('not heard back'))
    await subscription?.()
    return Math.round((performance.now() - sent) * 10) / 10
  } catch {
    return null
  } finally {
    await store.close().catch(() => undefined)
  }
}

/** Whether Upstash's REST SUBSCRIBE answers within 3 s (some plans and proxies do not stream). */
export async function upstashSubscribes(config: Config): Promise<boolean> {
  if (config.cache.provider !== 'upstash') return true
  let confirmed = false
  const { ready, stop } = subscribeOverSse({
    url: config.cache.url,
    token: config.cache.token,
    channel: `${config.prefix}doctor`,
    onMessage: () => undefined,
    onListening: (on) => (confirmed ||= on),
  })
  await Promise.race([ready, new Promise((resolve) => setTimeout(resolve, 3_000))])
  stop()
  return confirmed
}
