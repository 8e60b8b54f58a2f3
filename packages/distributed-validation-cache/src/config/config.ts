import { z } from 'zod'
import { parseDuration } from './duration.js'
import { sign } from '../crypto/signing.js'
import { ConfigError } from '../errors.js'
import { prefixProblem, sizeProblem } from '../options.js'
import { parseRedisUrl, redactUrl } from '../stores/redis-url.js'

const text = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v))
// `positive`: a zero TTL or timeout would silently turn the cache (or the store) off.
const duration = ({ positive }: { positive: boolean }) =>
  text.transform((v, ctx) => {
    if (v === undefined) return undefined
    const ms = parseDuration(v, { bareSeconds: true })
    if (ms === undefined)
      ctx.addIssue({ code: 'custom', message: `must be a duration like "300" (seconds), "5 m" or "300s" (got "${v}")` })
    else if (positive && ms <= 0) ctx.addIssue({ code: 'custom', message: `must be longer than 0 (got "${v}")` })
    return ms
  })
const positiveDuration = duration({ positive: true })
const flag = text.transform((v, ctx) => {
  if (v === undefined) return undefined
  const value = { true: true, '1': true, yes: true, on: true, false: false, '0': false, no: false, off: false }[
    v.toLowerCase()
  ]
  if (value === undefined) ctx.addIssue({ code: 'custom', message: `must be true or false (got "${v}")` })
  return value
})
const httpUrl = text.pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional())
const secret = (min: number) =>
  text.pipe(
    z.string().min(min, `must be at least ${min} characters (generate one with: openssl rand -base64 32)`).optional(),
  )
const price = text.transform((v, ctx) => {
  if (v === undefined) return undefined
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0)
    ctx.addIssue({ code: 'custom', message: `must be a price in dollars, 0 or more (got "${v}")` })
  return n
})
// The same bounds as the l1MaxSize and prefix options, in the same words.
const l1Size = text.transform((v, ctx) => {
  if (v === undefined) return undefined
  const n = Number(v)
  const problem = Number.isInteger(n) && n >= 1 ? sizeProblem(n) : `must be a positive integer (got "${v}")`
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
  return n
})
const prefix = text.superRefine((v, ctx) => {
  const problem = v === undefined ? undefined : prefixProblem(v)
  if (problem) ctx.addIssue({ code: 'custom', message: problem })
})

/** Every environment variable the package reads. Documented one per line in .env.example. */
const Env = z.object({
  NEXTAUTH_SECRET: secret(16),
  AUTH_SECRET: secret(16),
  NEXTAUTH_URL: httpUrl,
  NEXT_PUBLIC_SUPABASE_URL: httpUrl,
  SUPABASE_SERVICE_ROLE_KEY: text,
  NEXT_PUBLIC_SUPABASE_ANON_KEY: text,
  DATABASE_URL: text.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  /** Where the postgres source LISTENs: a direct or session-mode URL, when DATABASE_URL is a transaction pooler. */
  DATABASE_LISTEN_URL: text.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
  ),
  UPSTASH_REDIS_REST_URL: httpUrl,
  UPSTASH_REDIS_REST_TOKEN: text,
  KV_REST_API_URL: httpUrl,
  KV_REST_API_TOKEN: text,
  REDIS_URL: text,
  CACHE_PROVIDER: text.pipe(
    z.enum(['memory', 'redis', 'upstash'], { error: 'must be memory, redis or upstash' }).optional(),
  ),
  ENABLE_AUTH_VALIDATION_CACHE: flag,
  VALIDATION_CACHE_TTL: positiveDuration,
  VALIDATION_CACHE_NEGATIVE_TTL: positiveDuration,
  VALIDATION_CACHE_GRACE: duration({ positive: false }),
  VALIDATION_CACHE_L1_TTL: positiveDuration,
  VALIDATION_CACHE_MAX_SIZE: l1Size,
  VALIDATION_CACHE_STORE_TIMEOUT: positiveDuration,
  VALIDATION_CACHE_SOURCE_TIMEOUT: positiveDuration,
  VALIDATION_CACHE_SUBSCRIBE: flag,
  VALIDATION_CACHE_LISTEN: flag,
  VALIDATION_CACHE_PREFIX: prefix,
  VALIDATION_CACHE_SECRET: secret(16),
  INSTANCE_ID: text,
  NEXTAUTH_SESSION_MAX_AGE: positiveDuration,
  VALIDATION_COST_PER_1000_QUERIES: price,
  VALIDATION_COST_PER_100K_COMMANDS: price,
  OBSERVABILITY_TOKEN: secret(16),
  REVALIDATION_WEBHOOK_SECRET: secret(16),
})

export type CacheBackend =
  | { provider: 'memory' }
  | { provider: 'redis'; url: string }
  | { provider: 'upstash'; url: string; token: string }
export type UserSourceConfig =
  | { provider: 'supabase'; url: string; serviceRoleKey: string; anonKey?: string }
  | { provider: 'postgres'; url: string; listenUrl?: string }
  | { provider: 'pglite' }

export type Config = ReturnType<typeof fromEnv>

/**
 * Reads and checks the environment. Throws one ConfigError whose message is a single line
 * naming each bad variable and what was expected; call it at startup, not at import.
 */
export function fromEnv(env: Record<string, string | undefined> = process.env) {
  // Each variable is parsed on its own, so one bad value does not hide the checks of the others.
  const issues: { variable: string; message: string }[] = []
  const e = {} as z.infer<typeof Env>
  for (const [variable, schema] of Object.entries(Env.shape)) {
    const parsed = schema.safeParse(env[variable])
    if (parsed.success) Object.assign(e, { [variable]: parsed.data })
    else issues.push(...parsed.error.issues.map((i) => ({ variable, message: i.message })))
  }
  const invalid = new Set(issues.map((i) => i.variable))
  // Pairs stay pairs: Upstash's URL with Upstash's token, Vercel KV's with KV's.
  const [upstashUrl, upstashToken] = e.UPSTASH_REDIS_REST_URL
    ? [e.UPSTASH_REDIS_REST_URL, e.UPSTASH_REDIS_REST_TOKEN]
    : [e.KV_REST_API_URL, e.KV_REST_API_TOKEN]
  const provider = e.CACHE_PROVIDER ?? (upstashUrl ? 'upstash' : e.REDIS_URL ? 'redis' : 'memory')
  const why = e.CACHE_PROVIDER
    ? `forced by CACHE_PROVIDER=${provider}`
    : upstashUrl
      ? `${e.UPSTASH_REDIS_REST_URL ? 'UPSTASH_REDIS_REST_URL' : 'KV_REST_API_URL'} is set`
      : e.REDIS_URL
        ? 'REDIS_URL is set'
        : 'no UPSTASH_REDIS_REST_URL or REDIS_URL set — fine for one instance only'
  let cache: CacheBackend = { provider: 'memory' }
  if (provider === 'upstash') {
    if (!upstashUrl)
      issues.push({ variable: 'UPSTASH_REDIS_REST_URL', message: 'is required when CACHE_PROVIDER=upstash' })
    if (!upstashToken)
      issues.push({
        variable: 'UPSTASH_REDIS_REST_TOKEN',
        message: 'is required with UPSTASH_REDIS_REST_URL (or KV_REST_API_TOKEN with KV_REST_API_URL)',
      })
    cache = { provider, url: upstashUrl ?? '', token: upstashToken ?? '' }
  } else if (provider === 'redis') {
    if (!e.REDIS_URL) issues.push({ variable: 'REDIS_URL', message: 'is required when CACHE_PROVIDER=redis' })
    else collect(issues, () => parseRedisUrl(e.REDIS_URL!))
    cache = { provider, url: e.REDIS_URL ?? '' }
  }
  const supabase = e.NEXT_PUBLIC_SUPABASE_URL
  if (supabase && !e.SUPABASE_SERVICE_ROLE_KEY)
    issues.push({
      variable: 'SUPABASE_SERVICE_ROLE_KEY',
      message: 'is required with NEXT_PUBLIC_SUPABASE_URL (the admin API needs the service-role key)',
    })
  const userSource: UserSourceConfig = supabase
    ? {
        provider: 'supabase',
        url: supabase,
        serviceRoleKey: e.SUPABASE_SERVICE_ROLE_KEY ?? '',
        ...(e.NEXT_PUBLIC_SUPABASE_ANON_KEY ? { anonKey: e.NEXT_PUBLIC_SUPABASE_ANON_KEY } : {}),
      }
    : e.DATABASE_URL
      ? {
          provider: 'postgres',
          url: e.DATABASE_URL,
          ...(e.DATABASE_LISTEN_URL ? { listenUrl: e.DATABASE_LISTEN_URL } : {}),
        }
      : { provider: 'pglite' }
  const sessionSecret = e.NEXTAUTH_SECRET ?? e.AUTH_SECRET // next-auth v4's name, Auth.js v5's
  if (cache.provider !== 'memory' && !e.VALIDATION_CACHE_SECRET && !sessionSecret) {
    issues.push({
      variable: 'VALIDATION_CACHE_SECRET',
      message:
        `(or NEXTAUTH_SECRET, or AUTH_SECRET) is required with the ${cache.provider} cache: ` +
        'every instance signs shared entries with it',
    })
  }
  if (issues.length > 0) throw new ConfigError(issues.filter((i, n) => n < invalid.size || !invalid.has(i.variable)))
  return {
    enabled: e.ENABLE_AUTH_VALIDATION_CACHE ?? true,
    cache,
    cacheReason: why,
    userSource,
    ttlMs: e.VALIDATION_CACHE_TTL ?? 300_000,
    negativeTtlMs: e.VALIDATION_CACHE_NEGATIVE_TTL ?? 60_000,
    graceMs: e.VALIDATION_CACHE_GRACE ?? 600_000,
    l1TtlMs: e.VALIDATION_CACHE_L1_TTL,
    l1MaxSize: e.VALIDATION_CACHE_MAX_SIZE ?? 10_000,
    storeTimeoutMs: e.VALIDATION_CACHE_STORE_TIMEOUT ?? 250,
    sourceTimeoutMs: e.VALIDATION_CACHE_SOURCE_TIMEOUT ?? 2_000,
    subscribe: e.VALIDATION_CACHE_SUBSCRIBE ?? true,
    /** LISTEN for the auth.users trigger's notifications (the postgres source only). */
    listen: e.VALIDATION_CACHE_LISTEN ?? true,
    prefix: e.VALIDATION_CACHE_PREFIX ?? 'dvc:',
    /** VALIDATION_CACHE_SECRET as set; the key in use is signingSecret(config). */
    secret: e.VALIDATION_CACHE_SECRET,
    instanceId: e.INSTANCE_ID,
    /** Overrides of the observability cost model's prices (dollars). */
    prices: {
      sourceQueryPer1000: e.VALIDATION_COST_PER_1000_QUERIES,
      cacheCommandPer100k: e.VALIDATION_COST_PER_100K_COMMANDS,
    },
    nextAuth: {
      secret: sessionSecret,
      url: e.NEXTAUTH_URL,
      sessionMaxAgeMs: e.NEXTAUTH_SESSION_MAX_AGE ?? 30 * 86_400_000,
    },
    observabilityToken: e.OBSERVABILITY_TOKEN,
    webhookSecret: e.REVALIDATION_WEBHOOK_SECRET,
  }
}

/**
 * The key every instance signs shared entries with: VALIDATION_CACHE_SECRET, else one derived
 * from the session secret (the JWT key and the cache-signing key stay distinct even when one env
 * var seeds both); undefined when neither is set. Async: derived with Web Crypto (see signing.ts).
 */
export async function signingSecret(config: Config): Promise<string | undefined> {
  if (config.secret) return config.secret
  return config.nextAuth.secret && sign(config.nextAuth.secret, 'distributed-validation-cache/v1')
}

function collect(issues: { variable: string; message: string }[], check: () => unknown): void {
  try {
    check()
  } catch (error) {
    if (error instanceof ConfigError) issues.push(...error.issues)
    else throw error
  }
}

/** Which backend and user source are active and why, with every secret redacted. */
export function describe(config: Config): string {
  const { cache, userSource } = config
  const backend = cache.provider === 'memory' ? 'memory' : `${cache.provider} at ${redactUrl(cache.url)}`
  const store =
    userSource.provider === 'pglite'
      ? 'embedded PGlite (no NEXT_PUBLIC_SUPABASE_URL or DATABASE_URL set)'
      : userSource.provider === 'supabase'
        ? `Supabase Auth at ${userSource.url}`
        : `Postgres at ${redactUrl(userSource.url)}`
  const s = (ms: number) => `${ms / 1000} s`
  const said = (secret: string | undefined) => (secret ? 'set' : 'missing')
  const signing = config.secret
    ? 'set'
    : config.nextAuth.secret
      ? 'derived from the session secret'
      : 'random per process'
  return [
    `validation cache: ${
      config.enabled ? 'enabled' : 'DISABLED (ENABLE_AUTH_VALIDATION_CACHE=false): every request asks the user source'
    }`,
    `cache backend: ${backend} — ${config.cacheReason}`,
    `user source: ${store}`,
    `ttl ${s(config.ttlMs)}, negative ttl ${s(config.negativeTtlMs)}, grace ${s(config.graceMs)}, ` +
      `L1 ttl ${s(config.l1TtlMs ?? config.ttlMs)}, L1 max ${config.l1MaxSize} users`,
    `secrets: signing ${signing}, NEXTAUTH_SECRET ${said(config.nextAuth.secret)}, ` +
      `OBSERVABILITY_TOKEN ${said(config.observabilityToken)}, ` +
      `REVALIDATION_WEBHOOK_SECRET ${said(config.webhookSecret)}`,
  ].join('\n')
}
