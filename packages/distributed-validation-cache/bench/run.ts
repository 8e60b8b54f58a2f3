/**
 * `pnpm bench`: validate() latency against a naive shared cache, same machine, same Redis, one
 * run. Writes bench/results.json. Needs Redis on REDIS_URL (default redis://127.0.0.1:6379).
 */
import { randomUUID } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import { LRUCache } from 'lru-cache'
import { createValidationCache, redisStore, type UserSource, type UserState } from '../src/index.js'
import { measure, type Figure } from './measure.js'
import { revocationLatency } from './revocation.js'
import { stampede } from './stampede.js'
import { commandsPerValidation, l1BytesPerUser } from './steady-state.js'

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
const prefix = `bench:${randomUUID()}:`
const users = new Map<string, UserState>()
const newUser = () => {
  const id = randomUUID()
  users.set(id, { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null })
  return id
}
let queries = 0
// The user store itself costs nothing here, so "miss" shows the cache's own overhead.
const source: UserSource = {
  name: 'in-memory',
  fetchUser: async (id) => (queries++, users.get(id) ?? null),
  setSessionsRevokedAt: async () => undefined,
}
const options = { source, prefix, secret: 'bench-secret-0123456789', l1MaxSize: 100_000 }
const a = createValidationCache({ ...options, store: redisStore(REDIS_URL), instanceId: 'a' })
const b = createValidationCache({ ...options, store: redisStore(REDIS_URL), instanceId: 'b' })
const redis = new Redis(REDIS_URL)
await Promise.all([a.ready(), b.ready()])

// The seed's ancestor: one Redis GET per validation, no L1, no single-flight, JSON as stored.
async function naiveValidate(id: string) {
  const key = `${prefix}naive:${id}`
  const hit = await redis.get(key)
  if (hit) return JSON.parse(hit) as UserState
  const state = await source.fetchUser(id, AbortSignal.timeout(2_000))
  await redis.set(key, JSON.stringify(state), 'EX', 300)
  return state
}

const N = 20_000
const hot = newUser()
await a.validate(hot)
await naiveValidate(hot)
const l2Users = Array.from({ length: N + 1_000 }, newUser) // + the 1,000 warm-up calls
for (const id of l2Users) await a.validate(id) // in L2 (and a's L1); b has never seen them
const missUsers = Array.from({ length: 5_000 + 1_000 }, newUser)
const lru = new LRUCache<string, object>({ max: 1_000 })
lru.set(hot, {})

const rows: { name: string; figure: Figure }[] = []
const run = async (name: string, call: (i: number) => unknown, opts: Parameters<typeof measure>[1]) => {
  rows.push({ name, figure: await measure(call, opts) })
  process.stdout.write('.')
}
await run('naive shared cache (1 Redis GET per call) — baseline', () => naiveValidate(hot), { iterations: N })
await run('validate(): L1 hit (p99 = of 1k-call batch means)', () => a.validate(hot), { iterations: 2_000_000, batch: 1_000, warmup: 100_000 })
await run('validate(): L2 hit (Redis GET + HMAC verify)', (i) => b.validate(l2Users[i]!), { iterations: N })
await run('validate(): miss, in-memory source (the cache\'s own cost)', (i) => a.validate(missUsers[i]!), { iterations: 5_000 })
await run('reference: bare lru-cache get', () => lru.get(hot), { iterations: 2_000_000, batch: 1_000, warmup: 100_000 })
await run('reference: bare Redis GET (ioredis)', () => redis.get(`${prefix}naive:${hot}`), { iterations: N })
process.stdout.write('\n\n')

const baseline = rows[0]!.figure.p50Us
const fmt = (us: number) => (us < 10 ? `${(us * 1000).toFixed(0)} ns` : `${us.toFixed(1)} µs`)
console.log(`${'benchmark'.padEnd(56)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'ops/s'.padStart(11)}  vs baseline (p50)`)
for (const { name, figure } of rows) {
  const ratio = baseline / figure.p50Us
  console.log(`${name.padEnd(56)} ${fmt(figure.p50Us).padStart(9)} ${fmt(figure.p99Us).padStart(9)} ${figure.opsPerSec.toLocaleString('en-US').padStart(11)}  ${ratio >= 1 ? `${ratio.toFixed(1)}× faster` : `${(1 / ratio).toFixed(1)}× slower`}`)
}
const l1 = rows[1]!.figure
const targets = [
  { target: 'L1 hit ≥ 50× faster than the naive baseline (p50)', value: `${(baseline / l1.p50Us).toFixed(0)}×`, met: baseline / l1.p50Us >= 50 },
  { target: 'L1 hit ≤ 1 µs median', value: fmt(l1.p50Us), met: l1.p50Us <= 1 },
]
console.log()
for (const t of targets) console.log(`${t.met ? 'MET   ' : 'MISSED'} ${t.target}: ${t.value}`)
console.log(`user-store queries: ${queries} for ${l2Users.length + missUsers.length + 2} distinct users`)
await Promise.all([a.close(), b.close(), redis.quit()])

console.log('\nStampede: 3 processes × 200 concurrent validations of one cold user (real Redis + Postgres)')
const storm = await stampede(DATABASE_URL, REDIS_URL)
for (const [strategy, r] of Object.entries(storm)) {
  const locks = strategy === 'validation-cache' ? `   locks: ${r.lock.acquired} acquired, ${r.lock.waitedForFill} waited for the fill, ${r.lock.tookOver} took over` : ''
  console.log(`  ${strategy.padEnd(18)} ${String(r.queries).padStart(4)} user-store queries   start spread ≤ ${r.maxStartLagMs.toFixed(2)} ms, ${r.overlapped ? 'overlapped' : 'DID NOT OVERLAP'} (attempt ${r.attempts})${locks}`)
}
const ours = storm['validation-cache']!
targets.push({ target: 'stampede: 1 user-store query', value: ours.overlapped ? String(ours.queries) : `${ours.queries} (processes did not overlap: no figure)`, met: ours.overlapped && ours.queries === 1 })

const revocations = await revocationLatency(REDIS_URL, 100)
const pct = (q: number) => revocations[Math.min(revocations.length - 1, Math.floor(q * revocations.length))]!
console.log(`\nRevocation → "revoked" on both other instances, 100 trials: p50 ${pct(0.5).toFixed(2)} ms, p99 ${pct(0.99).toFixed(2)} ms, max ${revocations.at(-1)!.toFixed(2)} ms`)
targets.push({ target: 'revocation p99 < 1 s', value: `${pct(0.99).toFixed(1)} ms`, met: pct(0.99) < 1_000 })

const steady = await commandsPerValidation(REDIS_URL)
const bytes = l1BytesPerUser()
console.log(`\nSteady state, Zipf(1.1) over 10,000 users: ${steady.commands} cache commands for ${steady.validations} validations = ${steady.perValidation.toFixed(4)} per validation (naive: 1)`)
console.log(`L1 memory: ${bytes} bytes per cached user`)
targets.push({ target: 'cache commands per validation ≤ 0.05', value: steady.perValidation.toFixed(4), met: steady.perValidation <= 0.05 })
targets.push({ target: 'L1 bytes per user ≤ 300', value: String(bytes), met: bytes <= 300 })
console.log()
for (const t of targets.slice(2)) console.log(`${t.met ? 'MET   ' : 'MISSED'} ${t.target}: ${t.value}`)

const results = {
  date: new Date().toISOString(), node: process.version, redis: REDIS_URL.replace(/:[^@/]*@/, ':****@'), rows, targets,
  stampede: storm, revocationMs: { p50: pct(0.5), p99: pct(0.99), max: revocations.at(-1) }, steadyState: steady, l1BytesPerUser: bytes,
}
writeFileSync(new URL('./results.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`)
console.log('written: bench/results.json')
