import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConfigError } from '../src/errors.js'
import { cacheFromEnv } from '../src/config/from-config.js'
import { postgresSource } from '../src/sources/postgres.js'
import { migrateAuthSchema } from '../src/setup/auth-schema.js'
import { createScratchDatabase } from './support/scratch-database.js'
import { postgresAvailable, redisAvailable, REDIS_URL } from './support/services.js'

const servicesUp = (await redisAvailable()) && (await postgresAvailable())

describe('oncePerProcess: one value per process, however many copies of the module', () => {
  it('two copies of the module (as two Next.js bundles load it) share one value; a failed creation is tried again', async () => {
    // A query string makes the loader evaluate the module anew: a second bundle's copy.
    const first = (await import(
      '../src/config/once-per-process.js?bundle=proxy' as string
    )) as typeof import('../src/config/once-per-process.js')
    const second = (await import(
      '../src/config/once-per-process.js?bundle=route' as string
    )) as typeof import('../src/config/once-per-process.js')
    expect(first.oncePerProcess).not.toBe(second.oncePerProcess) // really two copies
    let built = 0
    const key = `test:${Math.random()}`
    const [a, b] = await Promise.all([
      first.oncePerProcess(key, async () => ({ n: ++built })),
      second.oncePerProcess(key, async () => ({ n: ++built })),
    ])
    expect(a).toBe(b)
    expect(built).toBe(1)
    const failing = `test:${Math.random()}`
    await expect(first.oncePerProcess(failing, () => Promise.reject(new Error('bad env')))).rejects.toThrow('bad env')
    expect(await second.oncePerProcess(failing, async () => 'fixed')).toBe('fixed')
  })
})

describe.skipIf(!servicesUp)('cacheFromEnv', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>
  beforeAll(async () => {
    scratch = await createScratchDatabase()
    const source = postgresSource({ url: scratch.url })
    await migrateAuthSchema(source.run)
    await source.close()
  })
  afterAll(() => scratch?.drop())

  it('builds one cache, user source and metrics per process from the environment, and says which variable is wrong', async () => {
    const env = {
      DATABASE_URL: scratch.url,
      REDIS_URL,
      VALIDATION_CACHE_SECRET: 'env-cache-test-secret-0123',
      VALIDATION_CACHE_PREFIX: `test:${Math.random().toString(36).slice(2)}:`,
      PORT: '4100',
    }
    const [one, two] = await Promise.all([cacheFromEnv(env), cacheFromEnv(env)])
    expect(one).toBe(two)
    expect(one.cache.stats()).toMatchObject({ backend: 'redis', listening: true })
    expect(one.config.instanceId).toMatch(/:4100$/) // host:port, as .env.example says, not a random id
    expect(one.users.source.name).toContain('postgres')
    await expect(cacheFromEnv({ ...env, VALIDATION_CACHE_TTL: 'soon' })).rejects.toBeInstanceOf(ConfigError)
    one.metrics.stop()
    await one.cache.close()
    await one.users.close()
  })
})
