/**
 * upstash-rest-bridge: the Upstash Redis REST API in front of a real Redis, so the
 * real `@upstash/redis` client can run against a local Redis in tests and dev.
 */
import { setMaxListeners } from 'node:events'
import type { AddressInfo } from 'node:net'
import { checkFault } from './fault.js'
import type { Fault } from './fault.js'
import { closeRedis, connectOrThrow, createRedis, DEFAULT_REDIS_URL } from './redis.js'
import { createBridgeServer } from './server.js'
import { Subscriptions } from './subscribe.js'

export type { Fault } from './fault.js'
export { MAX_BODY_BYTES } from './http-io.js'

export interface BridgeOptions {
  /** Default redis://127.0.0.1:6379. */
  redisUrl?: string
  /** The bearer token clients must send (UPSTASH_REDIS_REST_TOKEN). */
  token: string
  /** 0 (the default) picks a free port. */
  port?: number
  /** Default 127.0.0.1. */
  host?: string
}

export interface Bridge {
  /** What to use as UPSTASH_REDIS_REST_URL. */
  url: string
  token: string
  port: number
  /** `{status}` answers every request with it, `{delayMs}` delays every response, `null` stops. */
  setFault(fault: Fault | null): void
  /** Ends open subscriptions, stops the server and disconnects from Redis. Idempotent. */
  close(): Promise<void>
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  if (typeof options.token !== 'string' || options.token.length === 0) {
    throw new TypeError('startBridge: a non-empty token is required')
  }
  const redisUrl = options.redisUrl ?? DEFAULT_REDIS_URL
  const host = options.host ?? '127.0.0.1'
  const redis = createRedis(redisUrl)
  await connectOrThrow(redis, redisUrl)

  let fault: Fault | null = null
  const shutdown = new AbortController()
  // Every delayed request listens on it; many at once are expected, not a leak.
  setMaxListeners(0, shutdown.signal)
  const subscriptions = new Subscriptions(() => createRedis(redisUrl))
  const server = createBridgeServer({
    token: options.token,
    redis,
    subscriptions,
    fault: () => fault,
    shutdown: shutdown.signal,
  })
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    redis.disconnect()
    throw error
  }

  const port = (server.address() as AddressInfo).port
  let closing: Promise<void> | undefined
  const close = async (): Promise<void> => {
    shutdown.abort()
    subscriptions.closeAll()
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      // Keep-alive sockets of clients would otherwise hold close() open.
      server.closeAllConnections()
    })
    await closeRedis(redis)
  }
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    token: options.token,
    port,
    setFault(next) {
      fault = checkFault(next)
    },
    close: () => (closing ??= close()),
  }
}
