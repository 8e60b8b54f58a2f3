import { describe as group, expect, it } from 'vitest'
import { describe, fromEnv, signingSecret } from './config.js'
import { ConfigError } from '../errors.js'
import { resolveOptions } from '../options.js'
import type { UserSource } from '../sources/user-source.js'

const NEXTAUTH_SECRET = 'nextauth-secret-0123456789abcdef'
const SIGNING = 'signing-secret-0123456789'

const source: UserSource = { name: 'none', fetchUser: async () => null, setSessionsRevokedAt: async () => undefined }

function errorOf(env: Record<string, string | undefined>): ConfigError {
  try {
    fromEnv(env)
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    const message = (error as ConfigError).message
    expect(message).not.toContain('\n')
    expect(message).toMatch(/^Invalid configuration: /)
    return error as ConfigError
  }
  throw new Error(`expected fromEnv(${JSON.stringify(env)}) to throw`)
}

function optionsErrorOf(options: Omit<Parameters<typeof resolveOptions>[0], 'source'>): ConfigError {
  try {
    resolveOptions({ source, ...options })
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).message).not.toContain('\n')
    return error as ConfigError
  }
  throw new Error(`expected resolveOptions(${JSON.stringify(options)}) to throw`)
}

group('fromEnv: defaults', () => {
  it('uses memory, PGlite and the documented durations with an empty environment', () => {
    const config = fromEnv({})
    expect(config).toMatchObject({
      enabled: true,
      cache: { provider: 'memory' },
      userSource: { provider: 'pglite' },
      ttlMs: 300_000,
      negativeTtlMs: 60_000,
      graceMs: 600_000,
      prefix: 'dvc:',
      l1MaxSize: 10_000,
    })
    expect(config.cacheReason).toContain('one instance')
    expect(config.secret).toBeUndefined()
  })

  it('ignores empty and blank values as if unset', () => {
    expect(fromEnv({ REDIS_URL: '', VALIDATION_CACHE_TTL: '  ', CACHE_PROVIDER: '' })).toMatchObject({
      cache: { provider: 'memory' },
      ttlMs: 300_000,
    })
  })
})

group('fromEnv: backend selection', () => {
  const upstash = { UPSTASH_REDIS_REST_URL: 'https://u.upstash.io', UPSTASH_REDIS_REST_TOKEN: 'upstash-token-abc' }
  const kv = { KV_REST_API_URL: 'https://kv.vercel.io', KV_REST_API_TOKEN: 'kv-token-abc' }
  const redis = { REDIS_URL: 'redis://:redis-pass@cache:6379' }

  it('UPSTASH_REDIS_REST_URL + TOKEN → upstash, ahead of KV and REDIS_URL', () => {
    const config = fromEnv({ ...upstash, ...kv, ...redis, NEXTAUTH_SECRET })
    expect(config.cache).toEqual({ provider: 'upstash', url: 'https://u.upstash.io', token: 'upstash-token-abc' })
    expect(config.cacheReason).toContain('UPSTASH_REDIS_REST_URL')
  })

  it("Vercel's KV_REST_API_URL + KV_REST_API_TOKEN → upstash, ahead of REDIS_URL", () => {
    const config = fromEnv({ ...kv, ...redis, NEXTAUTH_SECRET })
    expect(config.cache).toEqual({ provider: 'upstash', url: 'https://kv.vercel.io', token: 'kv-token-abc' })
    expect(config.cacheReason).toContain('KV_REST_API_URL')
  })

  it('REDIS_URL → redis', () => {
    const config = fromEnv({ ...redis, NEXTAUTH_SECRET })
    expect(config.cache).toEqual({ provider: 'redis', url: redis.REDIS_URL })
    expect(config.cacheReason).toContain('REDIS_URL')
  })

  it('CACHE_PROVIDER overrides what the other variables imply', () => {
    const memory = fromEnv({ ...redis, ...upstash, CACHE_PROVIDER: 'memory' })
    expect(memory.cache).toEqual({ provider: 'memory' })
    expect(memory.cacheReason).toContain('CACHE_PROVIDER=memory')
    expect(fromEnv({ ...redis, ...upstash, CACHE_PROVIDER: 'redis', NEXTAUTH_SECRET }).cache.provider).toBe('redis')
  })

  it.each(['false', '0', 'no', 'off', 'FALSE', 'Off'])(
    'ENABLE_AUTH_VALIDATION_CACHE=%s disables the cache',
    (value) => {
      expect(fromEnv({ ENABLE_AUTH_VALIDATION_CACHE: value }).enabled).toBe(false)
    },
  )

  it.each(['true', '1', 'yes', 'on'])('ENABLE_AUTH_VALIDATION_CACHE=%s keeps it enabled', (value) => {
    expect(fromEnv({ ENABLE_AUTH_VALIDATION_CACHE: value }).enabled).toBe(true)
  })

  it.each(['300', '5 m', '300s', '5m'])('VALIDATION_CACHE_TTL=%s is 300000 ms', (value) => {
    expect(fromEnv({ VALIDATION_CACHE_TTL: value }).ttlMs).toBe(300_000)
  })

  it('picks the user source: Supabase, else DATABASE_URL, else PGlite', () => {
    expect(
      fromEnv({
        NEXT_PUBLIC_SUPABASE_URL: 'https://p.supabase.co',
        SUPABASE_SERVICE_ROLE_KEY: 'srk',
        DATABASE_URL: 'postgres://db/x',
      }).userSource,
    ).toEqual({ provider: 'supabase', url: 'https://p.supabase.co', serviceRoleKey: 'srk' })
    expect(fromEnv({ DATABASE_URL: 'postgresql://db/x' }).userSource).toEqual({
      provider: 'postgres',
      url: 'postgresql://db/x',
    })
  })
})

group('fromEnv: signing secret', () => {
  it('is required for shared backends', () => {
    const error = errorOf({ REDIS_URL: 'redis://cache' })
    expect(error.message).toContain('VALIDATION_CACHE_SECRET')
    expect(error.message).toContain('NEXTAUTH_SECRET')
    expect(errorOf({ UPSTASH_REDIS_REST_URL: 'https://u.io', UPSTASH_REDIS_REST_TOKEN: 't' }).message).toContain(
      'VALIDATION_CACHE_SECRET',
    )
  })

  it('VALIDATION_CACHE_SECRET is used as is and wins over NEXTAUTH_SECRET', async () => {
    const config = fromEnv({ REDIS_URL: 'redis://cache', VALIDATION_CACHE_SECRET: SIGNING, NEXTAUTH_SECRET })
    expect(await signingSecret(config)).toBe(SIGNING)
  })

  it("reads Auth.js v5's AUTH_SECRET where NEXTAUTH_SECRET is unset, and the v4 name first", async () => {
    const v5 = fromEnv({ REDIS_URL: 'redis://cache', AUTH_SECRET: NEXTAUTH_SECRET })
    expect(await signingSecret(v5)).toBe(await signingSecret(fromEnv({ REDIS_URL: 'redis://cache', NEXTAUTH_SECRET })))
    expect(v5.nextAuth.secret).toBe(NEXTAUTH_SECRET)
    expect(fromEnv({ NEXTAUTH_SECRET, AUTH_SECRET: 'another-secret-0123456789' }).nextAuth.secret).toBe(NEXTAUTH_SECRET)
    expect(() => fromEnv({ AUTH_SECRET: 'short' })).toThrow(/AUTH_SECRET/)
  })

  it('is derived from NEXTAUTH_SECRET, deterministically, but never equal to it', async () => {
    const derived = (env: Record<string, string>) => signingSecret(fromEnv({ REDIS_URL: 'redis://cache', ...env }))
    const a = await derived({ NEXTAUTH_SECRET })
    expect(a).toEqual(expect.any(String))
    expect(a).not.toBe(NEXTAUTH_SECRET)
    expect(a).not.toContain(NEXTAUTH_SECRET)
    expect(await derived({ NEXTAUTH_SECRET })).toBe(a)
    expect(await derived({ NEXTAUTH_SECRET: `${NEXTAUTH_SECRET}x` })).not.toBe(a)
    // The key instances of earlier versions derived (node:crypto's HMAC): a rolling deploy keeps reading L2.
    const { createHmac } = await import('node:crypto')
    expect(a).toBe(createHmac('sha256', NEXTAUTH_SECRET).update('distributed-validation-cache/v1').digest('base64url'))
  })
})

group('fromEnv: bad values', () => {
  it.each([
    [{ VALIDATION_CACHE_TTL: 'abc' }, 'VALIDATION_CACHE_TTL', /must be a duration.*\(got "abc"\)/],
    [{ VALIDATION_CACHE_TTL: '-5' }, 'VALIDATION_CACHE_TTL', /must be a duration.*\(got "-5"\)/],
    [{ VALIDATION_CACHE_GRACE: '5 parsecs' }, 'VALIDATION_CACHE_GRACE', /must be a duration/],
    [{ CACHE_PROVIDER: 'memcached' }, 'CACHE_PROVIDER', /must be memory, redis or upstash/],
    [
      { ENABLE_AUTH_VALIDATION_CACHE: 'maybe' },
      'ENABLE_AUTH_VALIDATION_CACHE',
      /must be true or false \(got "maybe"\)/,
    ],
    [{ REDIS_URL: 'http://x', NEXTAUTH_SECRET }, 'REDIS_URL', /must look like redis:\/\//],
    [
      { UPSTASH_REDIS_REST_URL: 'https://u.io', NEXTAUTH_SECRET },
      'UPSTASH_REDIS_REST_TOKEN',
      /is required with UPSTASH_REDIS_REST_URL/,
    ],
    [{ UPSTASH_REDIS_REST_URL: 'not a url' }, 'UPSTASH_REDIS_REST_URL', /must be an http\(s\) URL/],
    [
      { NEXT_PUBLIC_SUPABASE_URL: 'https://p.supabase.co' },
      'SUPABASE_SERVICE_ROLE_KEY',
      /is required with NEXT_PUBLIC_SUPABASE_URL/,
    ],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL', /must be a postgres:\/\/ or postgresql:\/\/ URL/],
    [{ VALIDATION_CACHE_PREFIX: 'a{b}' }, 'VALIDATION_CACHE_PREFIX', /must be 1 to 64 letters, .*"a\{b\}"/],
    [{ VALIDATION_CACHE_MAX_SIZE: '0' }, 'VALIDATION_CACHE_MAX_SIZE', /positive integer/],
  ])('%j → one line naming %s', (env, variable, expected) => {
    const error = errorOf(env)
    expect(error.message).toContain(variable)
    expect(error.message).toMatch(expected)
    expect(error.issues.map((i) => i.variable)).toContain(variable)
  })

  it('rejects a short NEXTAUTH_SECRET without echoing it', () => {
    const short = 'tooShort-9x'
    const error = errorOf({ NEXTAUTH_SECRET: short })
    expect(error.message).toMatch(/NEXTAUTH_SECRET must be at least 16 characters/)
    expect(error.message).not.toContain(short)
  })

  it('never echoes secrets or tokens in any error', () => {
    const values = {
      VALIDATION_CACHE_SECRET: 'vcs-short',
      OBSERVABILITY_TOKEN: 'obs-short',
      REVALIDATION_WEBHOOK_SECRET: 'hook-short',
      UPSTASH_REDIS_REST_TOKEN: 'tok-zzz-123',
    }
    const message = errorOf({ ...values, UPSTASH_REDIS_REST_URL: 'ftp://u.io' }).message
    for (const value of Object.values(values)) expect(message).not.toContain(value)
    expect(errorOf({ REDIS_URL: 'redis://:hunter2-pass@cache:0', NEXTAUTH_SECRET }).message).not.toContain(
      'hunter2-pass',
    )
  })

  it('names several bad values in one line', () => {
    const error = errorOf({
      VALIDATION_CACHE_TTL: 'abc',
      CACHE_PROVIDER: 'memcached',
      ENABLE_AUTH_VALIDATION_CACHE: 'maybe',
      DATABASE_URL: 'mysql://x',
    })
    for (const variable of ['VALIDATION_CACHE_TTL', 'CACHE_PROVIDER', 'ENABLE_AUTH_VALIDATION_CACHE', 'DATABASE_URL'])
      expect(error.message).toContain(variable)
    expect(error.issues).toHaveLength(4)
    const late = errorOf({ UPSTASH_REDIS_REST_URL: 'https://u.io', NEXT_PUBLIC_SUPABASE_URL: 'https://p.supabase.co' })
    for (const variable of ['UPSTASH_REDIS_REST_TOKEN', 'SUPABASE_SERVICE_ROLE_KEY', 'VALIDATION_CACHE_SECRET'])
      expect(late.message).toContain(variable)
  })

  // One bad value must not hide the cross-field checks of the others.
  it('names schema errors and cross-field errors together', () => {
    const message = errorOf({ VALIDATION_CACHE_TTL: 'abc', REDIS_URL: 'http://x', NEXTAUTH_SECRET }).message
    expect(message).toContain('VALIDATION_CACHE_TTL')
    expect(message).toContain('REDIS_URL')
  })
})

const SIZE_LIMIT = (name: string, got: number) =>
  `Invalid configuration: ${name} must be at most 1000000 (lru-cache preallocates memory for every slot) (got ${got})`
const BAD_PREFIXES = ['a?b', 'a#b', 'a/b', 'a b', 'é', 'p'.repeat(65)]
const GOOD_PREFIXES = ['dvc:', 'my-app.prod:', 'x_1', 'p'.repeat(64)]

// Each L1 slot is preallocated, so an oversized bound costs its memory at startup, before any entry.
group('L1 size bound', () => {
  it.each(['1000001', '2e7'])('VALIDATION_CACHE_MAX_SIZE=%s → one line naming the maximum and why', (value) => {
    const expected = SIZE_LIMIT('VALIDATION_CACHE_MAX_SIZE', Number(value))
    expect(errorOf({ VALIDATION_CACHE_MAX_SIZE: value }).message).toBe(expected)
  })

  it('accepts VALIDATION_CACHE_MAX_SIZE=1000000', () => {
    expect(fromEnv({ VALIDATION_CACHE_MAX_SIZE: '1000000' }).l1MaxSize).toBe(1_000_000)
  })

  it.each([1_000_001, 2e7])('l1MaxSize: %d → ConfigError, before the default store preallocates it', (l1MaxSize) => {
    const before = process.memoryUsage().arrayBuffers
    expect(optionsErrorOf({ l1MaxSize }).message).toBe(SIZE_LIMIT('l1MaxSize', l1MaxSize))
    // 2e7 slots would be ~230 MiB of typed arrays; nothing of the kind may be built.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(50 * 2 ** 20)
  })

  it('accepts l1MaxSize: 1_000_000', () => {
    expect(resolveOptions({ source, l1MaxSize: 1_000_000 }).l1MaxSize).toBe(1_000_000)
  })
})

// The prefix names the Upstash SSE channel URL unescaped: `?`, `#` or `/` would subscribe elsewhere.
group('prefix characters', () => {
  it.each(BAD_PREFIXES)('VALIDATION_CACHE_PREFIX=%j → ConfigError naming the allowed set', (prefix) => {
    const error = errorOf({ VALIDATION_CACHE_PREFIX: prefix })
    expect(error.issues.map((i) => i.variable)).toEqual(['VALIDATION_CACHE_PREFIX'])
    const allowed = 'must be 1 to 64 letters, digits or : _ . - ('
    expect(error.message.startsWith(`Invalid configuration: VALIDATION_CACHE_PREFIX ${allowed}`)).toBe(true)
    expect(error.message).toContain(`(got ${JSON.stringify(prefix)})`)
  })

  it.each(GOOD_PREFIXES)('VALIDATION_CACHE_PREFIX=%j is accepted', (prefix) => {
    expect(fromEnv({ VALIDATION_CACHE_PREFIX: prefix }).prefix).toBe(prefix)
  })

  // As for every variable, an empty value means unset: the default applies.
  it('VALIDATION_CACHE_PREFIX= (empty) falls back to dvc:', () => {
    expect(fromEnv({ VALIDATION_CACHE_PREFIX: '' }).prefix).toBe('dvc:')
  })

  it.each([...BAD_PREFIXES, ''])('prefix: %j → ConfigError naming the allowed set', (prefix) => {
    const error = optionsErrorOf({ prefix })
    expect(error.issues.map((i) => i.variable)).toEqual(['prefix'])
    expect(error.message).toMatch(/^Invalid configuration: prefix must be 1 to 64 letters, digits or : _ \. - \(/)
    expect(error.message).toContain(`(got ${JSON.stringify(prefix)})`)
  })

  it.each([...GOOD_PREFIXES, undefined])('prefix: %j is accepted', (prefix) => {
    expect(resolveOptions({ source, prefix }).prefix).toBe(prefix ?? 'dvc:')
  })
})

group('describe(config)', () => {
  it('says which backend is used and why, for the memory default', () => {
    const text = describe(fromEnv({}))
    expect(text).toMatch(/cache backend: memory — .*one instance/)
    expect(text).toContain('embedded PGlite')
  })

  it('redacts the REDIS_URL password and never prints secrets or tokens', async () => {
    const env = {
      REDIS_URL: 'redis://alice:Red1sPassw0rd@cache:6380/2',
      NEXTAUTH_SECRET,
      OBSERVABILITY_TOKEN: 'observability-token-123456',
      REVALIDATION_WEBHOOK_SECRET: 'webhook-secret-1234567890',
      DATABASE_URL: 'postgres://pg:Pg-Passw0rd@db/app',
    }
    const config = fromEnv(env)
    const text = describe(config)
    expect(text).toContain('cache backend: redis at redis://alice:****@cache:6380/2 — REDIS_URL is set')
    expect(text).toContain('OBSERVABILITY_TOKEN set')
    for (const secret of [
      'Red1sPassw0rd',
      'Pg-Passw0rd',
      NEXTAUTH_SECRET,
      env.OBSERVABILITY_TOKEN,
      env.REVALIDATION_WEBHOOK_SECRET,
      (await signingSecret(config))!,
    ]) {
      expect(text).not.toContain(secret)
    }
  })

  it('never prints the Upstash token or the Supabase service-role key', () => {
    const env = {
      UPSTASH_REDIS_REST_URL: 'https://u.upstash.io',
      UPSTASH_REDIS_REST_TOKEN: 'AXupstashTOKEN42',
      VALIDATION_CACHE_SECRET: SIGNING,
      NEXT_PUBLIC_SUPABASE_URL: 'https://p.supabase.co',
      SUPABASE_SERVICE_ROLE_KEY: 'service-role-KEY-42',
    }
    const text = describe(fromEnv(env))
    expect(text).toContain('cache backend: upstash at https://u.upstash.io — UPSTASH_REDIS_REST_URL is set')
    for (const secret of ['AXupstashTOKEN42', SIGNING, 'service-role-KEY-42']) expect(text).not.toContain(secret)
  })

  it('says when caching is disabled and when CACHE_PROVIDER forced the backend', () => {
    expect(describe(fromEnv({ ENABLE_AUTH_VALIDATION_CACHE: 'off' }))).toContain('DISABLED')
    expect(describe(fromEnv({ CACHE_PROVIDER: 'memory', REDIS_URL: 'redis://:pw-x@cache' }))).toContain(
      'forced by CACHE_PROVIDER=memory',
    )
  })
})

group('cost model prices', () => {
  it('reads VALIDATION_COST_* as dollars and refuses negative or non-numeric ones', () => {
    expect(
      fromEnv({ VALIDATION_COST_PER_1000_QUERIES: '0.05', VALIDATION_COST_PER_100K_COMMANDS: '0' }).prices,
    ).toEqual({ sourceQueryPer1000: 0.05, cacheCommandPer100k: 0 })
    expect(fromEnv({}).prices).toEqual({ sourceQueryPer1000: undefined, cacheCommandPer100k: undefined })
    expect(() => fromEnv({ VALIDATION_COST_PER_1000_QUERIES: '-1' })).toThrow(
      /VALIDATION_COST_PER_1000_QUERIES must be a price/,
    )
    expect(() => fromEnv({ VALIDATION_COST_PER_100K_COMMANDS: 'cheap' })).toThrow(/VALIDATION_COST_PER_100K_COMMANDS/)
  })
})
