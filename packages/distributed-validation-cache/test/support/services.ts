import { Socket } from 'node:net'

/** In CI (DVC_REQUIRE_SERVICES=1) a missing service fails the suite instead of skipping it. */
export const servicesRequired = process.env.DVC_REQUIRE_SERVICES === '1'

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket()
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(1_000, () => done(false))
    socket.once('error', () => done(false))
    socket.connect(port, host, () => done(true))
  })
}

/** Whether the suite can run: true if the service answers; throws when it must and does not. */
export async function requireService(name: string, host: string, port: number): Promise<boolean> {
  if (await reachable(host, port)) return true
  if (servicesRequired)
    throw new Error(
      `${name} is not reachable at ${host}:${port} and DVC_REQUIRE_SERVICES=1: start it (see DEVELOPERS.md)`,
    )
  console.warn(`skipping: ${name} not reachable at ${host}:${port}`)
  return false
}

export const redisAvailable = () => requireService('Redis', '127.0.0.1', Number(new URL(REDIS_URL).port || 6379))

export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const postgresAvailable = () =>
  requireService('PostgreSQL', new URL(DATABASE_URL).hostname, Number(new URL(DATABASE_URL).port || 5432))
