#!/usr/bin/env tsx
/**
 * Runs a bridge for local development:
 *   REDIS_URL=redis://127.0.0.1:6379 UPSTASH_BRIDGE_PORT=8079 UPSTASH_REDIS_REST_TOKEN=dev pnpm start
 */
import { randomBytes } from 'node:crypto'
import { startBridge } from './index.js'

// 8079 is the port commonly used for local Upstash stand-ins, so existing .env files keep working.
const DEFAULT_PORT = 8079

function portFromEnv(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PORT
  const port = Number(raw)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`UPSTASH_BRIDGE_PORT must be a port number, got "${raw}"`)
  }
  return port
}

async function main(): Promise<void> {
  const env = process.env
  // Without a configured token, a random one avoids an accidental well-known default.
  const token = env.UPSTASH_REDIS_REST_TOKEN || randomBytes(18).toString('base64url')
  const bridge = await startBridge({
    token,
    port: portFromEnv(env.UPSTASH_BRIDGE_PORT),
    redisUrl: env.REDIS_URL || undefined,
    host: env.UPSTASH_BRIDGE_HOST || undefined,
  })
  console.log(
    `upstash-rest-bridge listening; use:\n  UPSTASH_REDIS_REST_URL=${bridge.url}\n` +
      `  UPSTASH_REDIS_REST_TOKEN=${bridge.token}`,
  )

  const stop = (): void => {
    bridge.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error)
        process.exit(1)
      },
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error)
  process.exit(1)
})
