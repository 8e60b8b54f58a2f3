/**
 * One app process of a listening fleet, driven over IPC by warm-fleet.ts and fleet-liveness.ts: a
 * fresh engine on the benchmark's Redis (subscribed, as an app on Redis is) and the real Postgres
 * as user source. It serves what it is told — a schedule of requests, or warm users as fast as a
 * busy process does — and reports its user-source queries, counted here, outside the engine.
 */
import { createValidationCache } from '../src/index.js'
import { postgresSource } from '../src/drivers/postgres.js'
import { redisStore } from '../src/drivers/redis.js'

export type FleetCommand =
  /** Each request at `start + atMs` (wall clock), not waiting for the one before, as traffic comes. */
  | { type: 'serve'; start: number; requests: { atMs: number; user: string }[] }
  /** The users in turn, one validation every `everyMs`, for `ms`. */
  | { type: 'busy'; users: string[]; ms: number; everyMs: number }
export type FleetReply =
  | { type: 'ready' }
  /** Since the process started: validations, user-source queries, and answers other than active. */
  | { type: 'served'; validations: number; queries: number; notActive: number }

const [databaseUrl, redisUrl, prefix, ttlMs] = process.argv.slice(2) as [string, string, string, string]
const db = postgresSource({ url: databaseUrl })
let queries = 0
const source = { ...db, fetchUser: (id: string, signal: AbortSignal) => (queries++, db.fetchUser(id, signal)) }
const cache = createValidationCache({
  source,
  store: redisStore(redisUrl),
  prefix,
  secret: 'fleet-benchmark-secret',
  ttl: Number(ttlMs),
})
// First thing: the parent letting go (however early) ends this process.
process.once('disconnect', () => void Promise.all([cache.close(), db.close()]).finally(() => process.exit(0)))
await cache.ready()

let validations = 0
let notActive = 0
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)))
const validate = async (user: string) => {
  validations++
  if ((await cache.validate(user)).verdict !== 'active') notActive++
}

process.on('message', async (command: FleetCommand) => {
  if (command.type === 'serve') {
    const answers: Promise<void>[] = []
    for (const { atMs, user } of command.requests) {
      await sleep(command.start + atMs - Date.now())
      answers.push(validate(user))
    }
    await Promise.all(answers)
  } else {
    const until = performance.now() + command.ms
    for (let i = 0; performance.now() < until; i++) {
      await validate(command.users[i % command.users.length]!)
      await sleep(command.everyMs)
    }
  }
  process.send!({ type: 'served', validations, queries, notActive } satisfies FleetReply)
})
process.send!({ type: 'ready' } satisfies FleetReply)
