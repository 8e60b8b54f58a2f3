import { createValidationCache, type ValidationCache } from '../src/cache.js'
import { installTriggers } from '../src/setup/triggers.js'
import { postgresSource } from '../src/sources/postgres.js'
import { redisStore } from '../src/stores/redis.js'
import { percentile } from './measure.js'
import type { BenchUserSource } from './user-source.js'
import type { Lockout } from './silent-failures.js'

/**
 * A ban made by plain SQL (no webhook, no admin API) until every one of `size` instances refuses
 * the user: the auth.users trigger's NOTIFY, each instance LISTENing. Each trial bans a user all
 * instances hold in L1 and L2, then polls each instance every millisecond. Before issue 12: up to
 * the TTL (5 min). Also the user store's own cost: queries per ban across the fleet.
 */
export async function sqlBanLockout(
  users: BenchUserSource,
  redisUrl: string,
  { size = 3, trials = 30 } = {},
): Promise<Lockout & { queriesPerBan: number }> {
  const prefix = `bench-sql-${crypto.randomUUID().slice(0, 8)}:`
  const setup = postgresSource({ url: users.url, max: 1 })
  await installTriggers(setup.run, prefix)
  const sources = Array.from({ length: size }, () => postgresSource({ url: users.url, max: 2 }))
  const fleet: ValidationCache[] = sources.map((source) =>
    createValidationCache({ source, store: redisStore(redisUrl), prefix, secret: 'bench-sql-ban-secret-0123456789' }),
  )
  try {
    await Promise.all(fleet.map((cache) => cache.ready()))
    const ids = await users.addUsers(trials)
    for (const id of ids) for (const cache of fleet) await cache.validate(id) // held in L1 and L2 everywhere
    const queries = () => fleet.reduce((n, cache) => n + cache.stats().source.queries, 0)
    const before = queries()
    const ms: number[] = []
    for (const id of ids) {
      const started = performance.now()
      await setup.run("update auth.users set banned_until = 'infinity' where id = $1", [id])
      const refused = new Set<ValidationCache>()
      while (refused.size < fleet.length) {
        if (performance.now() - started > 10_000) throw new Error('a SQL ban was not refused within 10 s')
        for (const cache of fleet) if (!refused.has(cache) && !(await cache.validate(id)).valid) refused.add(cache)
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
      ms.push(performance.now() - started)
    }
    const sorted = ms.sort((a, b) => a - b)
    return {
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted.at(-1)!,
      trials,
      queriesPerBan: (queries() - before) / trials,
    }
  } finally {
    for (const cache of fleet) await cache.close()
    for (const source of sources) await source.close()
    await setup.close()
  }
}
