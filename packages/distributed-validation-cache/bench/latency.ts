import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { createValidationCache } from '../src/index.js'
import { postgresSource } from '../src/drivers/postgres.js'
import { redisStore } from '../src/drivers/redis.js'
import { measure, type Figure } from './measure.js'
import { naiveCache } from './naive-cache.js'
import type { BenchUserSource } from './user-source.js'

export interface LatencyRow {
  name: string
  figure: Figure
  /** Which baseline this row is (or null for our paths and the floors). */
  baseline?: 'no-cache' | 'naive'
}

const N = 20_000

/**
 * validate() latency on each path against both baselines, one process, real Redis and real
 * Postgres: "no cache" is one auth.users query per validation; "naive" is the seeds' ancestor,
 * one Redis GET per validation (JSON, 5-minute TTL, no L1, no single-flight).
 */
export async function latency(users: BenchUserSource, redisUrl: string): Promise<LatencyRow[]> {
  const source = postgresSource({ url: users.url, max: 1 })
  const prefix = `bench:latency:${randomUUID()}:`
  const options = { source, prefix, secret: 'bench-secret-0123456789', l1MaxSize: 100_000 }
  const a = createValidationCache({ ...options, store: redisStore(redisUrl), instanceId: 'a' })
  const b = createValidationCache({ ...options, store: redisStore(redisUrl), instanceId: 'b' })
  const redis = new Redis(redisUrl)
  await Promise.all([a.ready(), b.ready()])

  const naiveValidate = naiveCache(redis, prefix, source)

  try {
    const [hot = '', ...rest] = await users.addUsers(1 + (N + 1_000) + (5_000 + 1_000))
    const l2Users = rest.slice(0, N + 1_000) // + the 1,000 warm-up calls
    const missUsers = rest.slice(N + 1_000)
    await a.validate(hot)
    await naiveValidate(hot)
    for (const id of l2Users) await a.validate(id) // in L2 (and a's L1); b has never seen them

    const rows: LatencyRow[] = []
    const run = async (
      row: Omit<LatencyRow, 'figure'>,
      call: (i: number) => unknown,
      opts: Parameters<typeof measure>[1],
    ) => {
      rows.push({ ...row, figure: await measure(call, opts) })
      process.stdout.write('.')
    }
    await run(
      { name: 'no cache: one auth.users query per call', baseline: 'no-cache' },
      () => source.fetchUser(hot, AbortSignal.timeout(2_000)),
      { iterations: N },
    )
    await run({ name: 'naive shared cache: one Redis GET per call', baseline: 'naive' }, () => naiveValidate(hot), {
      iterations: N,
    })
    await run({ name: 'validate(): L1 hit (p99 of 1k-call batch means)' }, () => a.validate(hot), {
      iterations: 2_000_000,
      batch: 1_000,
      warmup: 100_000,
    })
    await run({ name: 'validate(): L2 hit (GET + HMAC verify)' }, (i) => b.validate(l2Users[i]!), { iterations: N })
    await run({ name: 'validate(): miss (GET, lock, GET, query, SET, unlock)' }, (i) => a.validate(missUsers[i]!), {
      iterations: 5_000,
    })
    await run({ name: 'floor: bare Redis GET (ioredis)' }, () => redis.get(`${prefix}naive:${hot}`), { iterations: N })
    process.stdout.write('\n')
    return rows
  } finally {
    await Promise.all([a.close(), b.close(), redis.quit(), source.close()])
  }
}
