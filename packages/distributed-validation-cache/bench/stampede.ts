import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { migrateAuthSchema, postgresRunner } from '../src/index.js'

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
export async function stampede(databaseUrl: string, redisUrl: string): Promise<Record<string, StampedeResult>> {
  const name = `dvc_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => undefined })
  await admin.unsafe(`create database ${name}`)
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  const db = postgres(url.toString(), { max: 1, onnotice: () => undefined })
  try {
    await migrateAuthSchema(postgresRunner(db))
    const results: Record<string, StampedeResult> = {}
    for (const strategy of ['no-cache', 'naive', 'validation-cache']) {
      for (let attempt = 1; attempt <= 3; attempt++) {
        const userId = randomUUID()
        await db.unsafe('insert into auth.users (id, email) values ($1, $2)', [userId, `${userId}@example.com`])
        const prefix = `bench:stampede:${randomUUID()}:`
        const goAt = String(Date.now() + 3_000)
        const reports = (await Promise.all([0, 1, 2].map(() => runWorker([strategy, url.toString(), redisUrl, prefix, userId, goAt])))).map((out) => JSON.parse(out) as WorkerReport)
        // Every process fired before any had an answer; for this cache, also every process met
        // the lock (held, or waited for its fill): a late one would have read L2 and proved nothing.
        const contended = reports.every((r) => r.lock.acquired + r.lock.waitedForFill + r.lock.tookOver === 1)
        const overlapped = Math.max(...reports.map((r) => r.startedAt)) < Math.min(...reports.map((r) => r.firstDoneAt)) && (strategy !== 'validation-cache' || contended)
        results[strategy] = {
          queries: reports.reduce((sum, r) => sum + r.queries, 0),
          overlapped,
          attempts: attempt,
          maxStartLagMs: Math.max(...reports.map((r) => r.startLagMs)),
          lock: { acquired: sum(reports, 'acquired'), waitedForFill: sum(reports, 'waitedForFill'), tookOver: sum(reports, 'tookOver') },
        }
        if (overlapped) break
      }
    }
    return results
  } finally {
    await db.end()
    await admin.unsafe(`drop database if exists ${name} with (force)`)
    await admin.end()
  }
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
