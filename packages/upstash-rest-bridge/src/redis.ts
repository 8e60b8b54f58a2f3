/** How the bridge connects to the real Redis. */
import { Redis } from 'ioredis'

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379'

export function createRedis(url: string): Redis {
  const redis = new Redis(url, {
    lazyConnect: true,
    // Fail a request after one reconnect attempt instead of queueing it for
    // ~20: a test should see a quick error, not an HTTP request that hangs.
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 50, 1000),
  })
  // Errors reach the HTTP caller through the failed command; without a listener
  // ioredis would also print every reconnect attempt.
  redis.on('error', () => {})
  return redis
}

/** Connects, so that a bridge never starts in front of a Redis it cannot reach. */
export async function connectOrThrow(redis: Redis, url: string): Promise<void> {
  let lastError: unknown
  const remember = (error: unknown): void => {
    lastError = error
  }
  redis.on('error', remember)
  try {
    await redis.connect()
  } catch (error) {
    redis.disconnect()
    // connect() only says "Connection is closed."; the error event has the cause.
    const cause = lastError ?? error
    throw new Error(
      `upstash-rest-bridge: cannot reach Redis at ${redact(url)}: ` +
        (cause instanceof Error ? cause.message : String(cause)),
      { cause },
    )
  } finally {
    redis.off('error', remember)
  }
}

/** Disconnects, waiting for replies in flight when the connection is healthy. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status !== 'ready') {
    redis.disconnect()
    return
  }
  try {
    await redis.quit()
  } catch {
    redis.disconnect()
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(unparsable URL)'
  }
}
