/**
 * One app process of the stampede benchmark: 200 concurrent validations of one cold user, with
 * the chosen strategy, against the real Redis and Postgres. Prints one JSON line: its user-store
 * queries, when it fired relative to the agreed start, when its first answer came back (so the
 * parent can prove the three processes overlapped) and the engine's lock counters.
 */
import { Redis } from 'ioredis'
import { createValidationCache, postgresSource, redisStore } from '../src/index.js'

const [strategy, databaseUrl, redisUrl, prefix, userId, goAt] = process.argv.slice(2) as [string, string, string, string, string, string]
const db = postgresSource({ url: databaseUrl })
let queries = 0
const source = { ...db, fetchUser: (id: string, signal: AbortSignal) => (queries++, db.fetchUser(id, signal)) }
const redis = new Redis(redisUrl)
const cache = createValidationCache({ source, store: redisStore(redisUrl), prefix, secret: 'stampede-benchmark-secret' })
await cache.ready()
await redis.ping()
await db.fetchUser(userId, AbortSignal.timeout(5_000)) // connect the pool now, not inside the storm (not counted)
const wallNow = () => performance.timeOrigin + performance.now() // sub-ms, comparable across processes
// Sleep until just before the start, then spin: a timer alone fires a few ms late, unevenly.
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(goAt) - Date.now() - 30)))
while (wallNow() < Number(goAt)) { /* spin */ }
const startedAt = wallNow()

async function validate(): Promise<unknown> {
  if (strategy === 'no-cache') return source.fetchUser(userId, AbortSignal.timeout(5_000))
  if (strategy === 'naive') {
    const hit = await redis.get(`${prefix}naive:${userId}`)
    if (hit) return JSON.parse(hit)
    const state = await source.fetchUser(userId, AbortSignal.timeout(5_000))
    await redis.set(`${prefix}naive:${userId}`, JSON.stringify(state), 'EX', 300)
    return state
  }
  return cache.validate(userId)
}

let firstDoneAt = Infinity
await Promise.all(Array.from({ length: 200 }, () => validate().then(() => (firstDoneAt = Math.min(firstDoneAt, wallNow())))))
const { lock } = cache.stats()
console.log(JSON.stringify({ queries, startLagMs: startedAt - Number(goAt), startedAt, firstDoneAt, lastDoneAt: wallNow(), lock }))
await Promise.all([cache.close(), db.close(), redis.quit()])
