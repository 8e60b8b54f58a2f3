import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import type { BenchUserStore } from './user-store.js'

export const STRATEGIES = ['no-cache', 'naive', 'validation-cache'] as const
export type Strategy = (typeof STRATEGIES)[number]

interface WorkerReport {
  queries: number
  startLagMs: number
  startedAt: number
  firstDoneAt: number
  lock: { acquired: number; waitedForFill: number; tookOver: number }
}

export interface StampedeResult {
  queries: number
  /** The storm really was concurrent (see stampede()). */
  overlapped: boolean
  attempts: number
  maxStartLagMs: number
  lock: WorkerReport['lock']
}

/**
 * 3 processes × 200 concurrent validations of one cold user → user-store queries, per strategy.
 * A run whose processes did not overlap proves nothing (a late one finds the cache filled), so
 * it is run again, up to 3 times, and reported as not overlapped if it never does.
 */
export async function stampede(users: BenchUserStore, redisUrl: string): Promise<Record<Strategy, StampedeResult>> {
  const results = {} as Record<Strategy, StampedeResult>
  for (const strategy of STRATEGIES) {
    for (let attempt = 1; attempt <= 3; attempt++) {
      const [userId] = await users.addUsers(1)
      const prefix = `bench:stampede:${randomUUID()}:`
      const goAt = String(Date.now() + 3_000)
      const reports = (await Promise.all([0, 1, 2].map(() => runWorker([strategy, users.url, redisUrl, prefix, userId!, goAt])))).map((out) => JSON.parse(out) as WorkerReport)
      // Every process fired before any had an answer; for this cache, also every process met
      // the lock (held, or waited for its fill): a late one would have read L2 and proved nothing.
      const contended = reports.every((r) => r.lock.acquired + r.lock.waitedForFill + r.lock.tookOver === 1)
      const overlapped = Math.max(...reports.map((r) => r.startedAt)) < Math.min(...reports.map((r) => r.firstDoneAt)) && (strategy !== 'validation-cache' || contended)
      results[strategy] = {
        queries: reports.reduce((total, r) => total + r.queries, 0),
        overlapped,
        attempts: attempt,
        maxStartLagMs: Math.max(...reports.map((r) => r.startLagMs)),
        lock: { acquired: sum(reports, 'acquired'), waitedForFill: sum(reports, 'waitedForFill'), tookOver: sum(reports, 'tookOver') },
      }
      if (overlapped) break
    }
  }
  return results
}

const sum = (reports: WorkerReport[], field: keyof WorkerReport['lock']) => reports.reduce((total, r) => total + r.lock[field], 0)

function runWorker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./stampede-worker.ts', import.meta.url)), ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').at(-1)!) : reject(new Error(`stampede worker exited ${code}`))))
  })
}
