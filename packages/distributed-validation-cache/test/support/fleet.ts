import { randomUUID } from 'node:crypto'
import { onTestFinished } from 'vitest'
import { createValidationCache, type ValidationCache } from '../../src/cache.js'
import type { ValidationCacheOptions } from '../../src/options.js'
import type { Store } from '../../src/stores/store.js'
import { redisStore } from '../../src/stores/redis.js'
import { FleetSource } from './fleet-source.js'
import { REDIS_URL } from './services.js'

/**
 * N engine instances as N app servers would run them: each with its own Redis clients, all
 * sharing one Redis, one key prefix (unique to the test), one secret and one user source.
 * Closed when the test finishes, pass or fail.
 */
export function startFleet(
  size: number,
  options: Omit<Partial<ValidationCacheOptions>, 'store'> & { redisUrl?: string; store?: () => Store } = {},
) {
  const source = new FleetSource()
  const prefix = `test:${randomUUID()}:`
  const secret = `secret-${randomUUID()}`
  const { redisUrl = REDIS_URL, store = () => redisStore(redisUrl, { connectTimeoutMs: 300 }), ...rest } = options
  const instances: ValidationCache[] = Array.from({ length: size }, (_, i) =>
    createValidationCache({ source, prefix, secret, instanceId: `instance-${i}`, store: store(), ...rest }),
  )
  const close = () => Promise.all(instances.map((c) => c.close()))
  onTestFinished(async () => void (await close()))
  return { source, prefix, secret, instances, ready: () => Promise.all(instances.map((c) => c.ready())), close }
}
