import { randomUUID } from 'node:crypto'
import { percentile } from './measure.js'
import type { Command, Reply, RevocationPath, Strategy } from './revocation-worker.js'
import type { BenchUserSource } from './user-source.js'
import { WorkerProcess } from './worker-process.js'

export interface RevocationFigure {
  path: RevocationPath
  strategy: Strategy
  trials: number
  p50Ms: number
  p99Ms: number
  maxMs: number
}

const PATHS: RevocationPath[] = ['revoke()', 'admin ban', 'ban + webhook']

/**
 * Time from a revocation on instance A until B and C, each in its own process, both deny the
 * session: `revoke()`, an admin ban (/admin: ban in auth.users, then revoke), and a ban made in
 * the database followed by the Supabase webhook's `refresh()`. Real Redis and Postgres. The
 * no-cache baseline runs the same three processes asking auth.users on every request.
 */
export async function revocationLatency(
  users: BenchUserSource,
  redisUrl: string,
  trials = 100,
): Promise<RevocationFigure[]> {
  const figures: RevocationFigure[] = []
  for (const strategy of ['validation-cache', 'no-cache'] as const) {
    const args = [strategy, users.url, redisUrl, `bench:revoke:${randomUUID()}:`]
    const fleet = [0, 1, 2].map(() => new WorkerProcess<Command, Reply>('./revocation-worker.ts', args))
    const [a, b, c] = fleet as [
      WorkerProcess<Command, Reply>,
      WorkerProcess<Command, Reply>,
      WorkerProcess<Command, Reply>,
    ]
    try {
      await Promise.all(fleet.map((instance) => instance.next('ready')))
      for (const path of PATHS) {
        const samples: number[] = []
        for (const userId of await users.addUsers(trials)) samples.push(await trial(a, [b, c], userId, path))
        samples.sort((x, y) => x - y)
        figures.push({
          path,
          strategy,
          trials,
          p50Ms: percentile(samples, 0.5),
          p99Ms: percentile(samples, 0.99),
          maxMs: samples.at(-1)!,
        })
        process.stdout.write('.')
      }
    } finally {
      await Promise.all(fleet.map((instance) => instance.stop()))
    }
  }
  return figures
}

/** One user: every instance sees the session as active, B and C watch it, A acts. */
async function trial(
  a: WorkerProcess<Command, Reply>,
  watchers: WorkerProcess<Command, Reply>[],
  userId: string,
  path: RevocationPath,
): Promise<number> {
  const issuedAt = Date.now() - 1_000
  for (const instance of [a, ...watchers]) {
    instance.send({ type: 'check', userId, issuedAt }) // with the cache, every L1 now says active
    if ((await instance.next('checked')).verdict !== 'active') throw new Error('a fresh user is not active')
  }
  for (const watcher of watchers) watcher.send({ type: 'watch', userId, issuedAt })
  await Promise.all(watchers.map((watcher) => watcher.next('watching')))
  a.send({ type: 'act', userId, path })
  const [{ at }, ...denials] = await Promise.all([
    a.next('acted'),
    ...watchers.map((watcher) => watcher.next('denied', 10_000)),
  ])
  const expected = path === 'revoke()' ? 'revoked' : 'banned'
  for (const denied of denials)
    if (denied.verdict !== expected) throw new Error(`${path}: denied as ${denied.verdict}, not ${expected}`)
  return Math.max(...denials.map((denied) => denied.at)) - at
}
