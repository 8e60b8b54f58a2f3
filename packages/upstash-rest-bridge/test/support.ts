/**
 * Shared test plumbing: the real Redis (skip or fail when it is missing), unique
 * keys per test, and deadline-bounded waiting instead of sleeps.
 */
import { randomUUID } from 'node:crypto'
import { Redis as IORedis } from 'ioredis'
import { afterAll, afterEach, beforeEach } from 'vitest'
import { startBridge } from '../src/index.js'
import type { Bridge } from '../src/index.js'

export const REDIS_URL = process.env.REDIS_URL || 'redis://127.0.0.1:6379'

async function probe(): Promise<string | null> {
  const redis = new IORedis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 1000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  // connect() only says "Connection is closed."; the error event has the cause.
  let cause: unknown
  redis.on('error', (error: unknown) => {
    cause = error
  })
  try {
    await redis.connect()
    await redis.ping()
    return null
  } catch (error) {
    const reason = cause ?? error
    return reason instanceof Error ? reason.message : String(reason)
  } finally {
    redis.disconnect()
  }
}

const unreachable = await probe()
if (unreachable !== null && process.env.DVC_REQUIRE_SERVICES === '1') {
  throw new Error(
    `Redis at ${REDIS_URL} is unreachable (${unreachable}) and DVC_REQUIRE_SERVICES=1 requires it. Start Redis or set REDIS_URL.`,
  )
}
/** Use with describe.skipIf: without Redis (and without DVC_REQUIRE_SERVICES=1) the suite is skipped. */
export const redisMissing = unreachable !== null

/** Starts a bridge before the tests of the calling file and closes it after them. */
export function useBridge(token = `test-token-${randomUUID()}`): () => Bridge {
  let bridge: Bridge | undefined
  beforeEach(async () => {
    bridge ??= await startBridge({ token, redisUrl: REDIS_URL })
    bridge.setFault(null)
  })
  afterAll(async () => {
    await bridge?.close()
  })
  return () => {
    if (!bridge) throw new Error('useBridge: bridge not started yet')
    return bridge
  }
}

/**
 * A fresh `bridge-test:<uuid>:` prefix for every test, whose keys are deleted after
 * it. Returns a function that puts the current prefix in front of a name.
 */
export function useKeys(): (name: string) => string {
  let prefix = ''
  let admin: IORedis | undefined
  beforeEach(() => {
    prefix = `bridge-test:${randomUUID()}:`
  })
  afterEach(async () => {
    admin ??= new IORedis(REDIS_URL)
    const keys: string[] = []
    let cursor = '0'
    do {
      const [next, batch] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
      cursor = next
      keys.push(...batch)
    } while (cursor !== '0')
    if (keys.length > 0) await admin.del(...keys)
  })
  afterAll(async () => {
    await admin?.quit()
  })
  return (name) => `${prefix}${name}`
}

/** Polls until `check` returns a value other than undefined, failing after the deadline. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 3000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Resolves with the first value passed to the callback `listen` registers, or fails after the deadline. */
export function nextEvent<T>(
  what: string,
  listen: (deliver: (value: T) => void) => void,
  timeoutMs = 3000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs)
    listen((value) => {
      clearTimeout(timer)
      resolve(value)
    })
  })
}
