import { randomUUID } from 'node:crypto'
import { RedisCommands } from './redis-commands.js'
import type { StampedeGo, StampedeReady, StampedeReport } from './stampede-worker.js'
import type { BenchUserSource } from './user-source.js'
import { WorkerProcess } from './worker-process.js'

export const STRATEGIES = ['no-cache', 'naive', 'validation-cache'] as const
export type Strategy = (typeof STRATEGIES)[number]

export interface StampedeAttempt {
  queries: number
  /** Every process fired before any had an answer (and, for this cache, each met the lock). */
  overlapped: boolean
  maxStartLagMs: number
  lock: StampedeReport['lock']
  /**
   * Commands each process sent, as Redis counted them (MONITOR, by each process's ACL user): during
   * the storm, and before it (connecting, subscribing, the first log read). `unattributed`: sent on a
   * connection gone before Redis was asked whose it was (0 expected).
   */
  commands: { storm: number[]; startup: number[]; unattributed: number }
}

/** The attempt that counts (the first that overlapped, or the last), and every attempt made. */
export type StampedeResult = StampedeAttempt & { processes: number; attempts: StampedeAttempt[] }

/**
 * `processes` processes × 200 concurrent validations of one cold user → user-source queries, per
 * strategy: a fleet restarted, each process a fresh engine, against a redis-server of the
 * benchmark's own flushed before each attempt. A run whose processes did not overlap proves nothing
 * (a late one finds the cache filled), so it is run again, up to 3 times; every attempt is reported.
 */
export async function stampede(users: BenchUserSource, processes: number): Promise<Record<Strategy, StampedeResult>> {
  const { server, commands } = await RedisCommands.onOwnServer()
  try {
    const results = {} as Record<Strategy, StampedeResult>
    for (const strategy of STRATEGIES) {
      const attempts: StampedeAttempt[] = []
      while (attempts.length < 3 && !attempts.at(-1)?.overlapped)
        attempts.push(await attempt(strategy, users, commands, processes))
      results[strategy] = { ...(attempts.find((a) => a.overlapped) ?? attempts.at(-1)!), processes, attempts }
    }
    return results
  } finally {
    await commands.close()
    await server.stop() // by its PID: the redis-server this benchmark started, nothing else
  }
}

async function attempt(
  strategy: Strategy,
  users: BenchUserSource,
  commands: RedisCommands,
  processes: number,
): Promise<StampedeAttempt> {
  await commands.flush()
  const [userId] = await users.addUsers(1)
  const prefix = `bench:stampede:${randomUUID()}:`
  const names = Array.from({ length: processes }, (_, i) => `p${i}`)
  const urls = await Promise.all(names.map((name) => commands.urlFor(name)))
  const startup = await commands.open()
  const workers = urls.map(
    (url) =>
      new WorkerProcess<StampedeGo, StampedeReady | StampedeReport>('./stampede-worker.ts', [
        strategy,
        users.url,
        url,
        prefix,
        userId!,
      ]),
  )
  try {
    // Ten processes starting on two cores take seconds: the start is agreed once all are ready.
    await Promise.all(workers.map((worker) => worker.next('ready', 120_000)))
    const beforeStorm = await startup.close()
    const storm = await commands.open()
    const go: StampedeGo = { type: 'go', at: Date.now() + 500 }
    for (const worker of workers) worker.send(go)
    const reports = await Promise.all(workers.map((worker) => worker.next('report')))
    const during = await storm.close()
    // A late process would have read L2 and proved nothing: for this cache each must meet the lock.
    const contended = reports.every((r) => r.lock.acquired + r.lock.waitedForFill + r.lock.tookOver === 1)
    const sum = (field: keyof StampedeReport['lock']) => reports.reduce((total, r) => total + r.lock[field], 0)
    return {
      queries: reports.reduce((total, r) => total + r.queries, 0),
      overlapped:
        Math.max(...reports.map((r) => r.startedAt)) < Math.min(...reports.map((r) => r.firstDoneAt)) &&
        (strategy !== 'validation-cache' || contended),
      maxStartLagMs: Math.max(...reports.map((r) => r.startLagMs)),
      lock: { acquired: sum('acquired'), waitedForFill: sum('waitedForFill'), tookOver: sum('tookOver') },
      commands: {
        storm: names.map((name) => during.byUser.get(name) ?? 0),
        startup: names.map((name) => beforeStorm.byUser.get(name) ?? 0),
        unattributed: (during.byUser.get('unattributed') ?? 0) + (beforeStorm.byUser.get('unattributed') ?? 0),
      },
    }
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()))
  }
}
