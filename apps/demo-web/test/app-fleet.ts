import { randomUUID } from 'node:crypto'
import { postgresSource } from 'distributed-validation-cache/postgres'
import { migrateAuthSchema, seedDemoUsers, type DemoUser } from 'distributed-validation-cache/setup'
import { freePort, OwnRedisServer } from '../../../packages/distributed-validation-cache/test/support/redis-server.js'
import { createScratchDatabase } from '../../../packages/distributed-validation-cache/test/support/scratch-database.js'
import { AppInstance } from './app-instance.js'

export const SECRETS = {
  nextAuth: `nextauth-${randomUUID()}`,
  webhook: `webhook-${randomUUID()}`,
  observability: `observability-${randomUUID()}`,
}

/**
 * N `next start` instances of the built app sharing one Redis (the test's own, so it may be
 * stopped or flushed) and one scratch Postgres database seeded with the demo users plus `extra`.
 * `perApp[i]` adds to (or, with '', unsets) the environment of instance i.
 */
export async function startAppFleet(
  size: number,
  extraUsers: string[],
  env: Record<string, string> = {},
  perApp: Record<string, string>[] = [],
) {
  const redis = await OwnRedisServer.start()
  const scratch = await createScratchDatabase()
  const db = postgresSource({ url: scratch.url })
  const run = db.run
  await migrateAuthSchema(run)
  const users = new Map(
    extraUsers.map((name): [string, DemoUser] => [
      name,
      { id: randomUUID(), email: `${name}@example.com`, password: `${name}-password`, note: name, appMetadata: {} },
    ]),
  )
  await seedDemoUsers(run, [...users.values()])
  await seedDemoUsers(run)
  const fullEnv = {
    DATABASE_URL: scratch.url,
    REDIS_URL: redis.url,
    NEXTAUTH_SECRET: SECRETS.nextAuth,
    REVALIDATION_WEBHOOK_SECRET: SECRETS.webhook,
    OBSERVABILITY_TOKEN: SECRETS.observability,
    VALIDATION_CACHE_STORE_TIMEOUT: '200ms',
    ...env,
  }
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()))
  const apps = await Promise.all(ports.map((port, i) => new AppInstance(port, { ...fullEnv, ...perApp[i] }).start()))
  return {
    apps,
    redis,
    db,
    users,
    stop: async () => {
      await Promise.all(apps.map((app) => app.stop()))
      await db.close()
      await scratch.drop()
      await redis.stop()
    },
  }
}
