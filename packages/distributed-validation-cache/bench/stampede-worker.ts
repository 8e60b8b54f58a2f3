/**
 * One app process of the stampede benchmark: 200 concurrent validations of one cold user, with
 * the chosen strategy, against the benchmark's Redis and the real Postgres. Says when it is ready;
 * given the agreed start, reports over IPC its user-source queries, when it fired relative to that
 * start, when its first answer came back (so the parent can prove the processes overlapped) and the
 * engine's lock counters.
 */
import { Redis } from 'ioredis'
import { createValidationCache } from '../src/index.js'
import { postgresSource } from '../src/drivers/postgres.js'
import { redisStore } from '../src/drivers/redis.js'
import { naiveCache } from './naive-cache.js'
import type { Strategy } from './stampede.js'
import { wallNow } from './worker-process.js'

export type StampedeReady = { type: 'ready' }
/** The agreed start, wall-clock ms: every process of the fleet fires then. */
export type StampedeGo = { type: 'go'; at: number }

export interface StampedeReport {
  type: 'report'
  queries: number
  startLagMs: number
  startedAt: number
  firstDoneAt: number
  lock: { acquired: number; waitedForFill: number; tookOver: number }
}

const [strategy, databaseUrl, redisUrl, prefix, userId] = process.argv.slice(2) as [
  Strategy,
  string,
  string,
  string,
  string,
]
const db = postgresSource({ url: databaseUrl })
let queries = 0
const source = { ...db, fetchUser: (id: string, signal: AbortSignal) => (queries++, db.fetchUser(id, signal)) }
const redis = new Redis(redisUrl)
const cache = createValidationCache({
  source,
  store: redisStore(redisUrl),
  prefix,
  secret: 'stampede-benchmark-secret',
})
const naive = naiveCache(redis, prefix, source)
// First thing: the parent letting go (however early) ends this process.
process.once(
  'disconnect',
  () => void Promise.all([cache.close(), db.close(), redis.quit()]).finally(() => process.exit(0)),
)
await cache.ready()
await redis.ping()
await db.fetchUser(userId, AbortSignal.timeout(5_000)) // connect the pool now, not inside the storm (not counted)
const goAt = await new Promise<number>((resolve) => {
  process.once('message', (go: StampedeGo) => resolve(go.at))
  process.send!({ type: 'ready' } satisfies StampedeReady)
})
// Sleep until just before the start, then spin: a timer alone fires a few ms late, unevenly.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, goAt - Date.now() - 30)))
while (wallNow() < goAt) {
  /* spin */
}
const startedAt = wallNow()

const validate = (): Promise<unknown> =>
  strategy === 'no-cache'
    ? source.fetchUser(userId, AbortSignal.timeout(5_000))
    : strategy === 'naive'
      ? naive(userId)
      : cache.validate(userId)

let firstDoneAt = Infinity
await Promise.all(
  Array.from({ length: 200 }, () => validate().then(() => (firstDoneAt = Math.min(firstDoneAt, wallNow())))),
)
const report: StampedeReport = {
  type: 'report',
  queries,
  startLagMs: startedAt - goAt,
  startedAt,
  firstDoneAt,
  lock: cache.stats().lock,
}
process.send!(report) // then wait for the parent to let go, so the report cannot be lost to an early exit
