import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import { migrateAuthSchema, postgresRunner } from '../src/index.js'

/** 3 processes × 200 concurrent validations of one cold user → user-store queries, per strategy. */
export async function stampede(databaseUrl: string, redisUrl: string): Promise<Record<string, number>> {
  const name = `dvc_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`
  const admin = postgres(databaseUrl, { max: 1, onnotice: () => undefined })
  await admin.unsafe(`create database ${name}`)
  const url = new URL(databaseUrl)
  url.pathname = `/${name}`
  const db = postgres(url.toString(), { max: 1, onnotice: () => undefined })
  try {
    await migrateAuthSchema(postgresRunner(db))
    const results: Record<string, number> = {}
    for (const strategy of ['no-cache', 'naive', 'validation-cache']) {
      const userId = randomUUID()
      await db.unsafe('insert into auth.users (id, email) values ($1, $2)', [userId, `${userId}@example.com`])
      const prefix = `bench:stampede:${randomUUID()}:`
      const goAt = String(Date.now() + 2_500)
      const outputs = await Promise.all([0, 1, 2].map(() => runWorker([strategy, url.toString(), redisUrl, prefix, userId, goAt])))
      results[strategy] = outputs.reduce((sum, out) => sum + (JSON.parse(out) as { queries: number }).queries, 0)
    }
    return results
  } finally {
    await db.end()
    await admin.unsafe(`drop database if exists ${name} with (force)`)
    await admin.end()
  }
}

function runWorker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./stampede-worker.ts', import.meta.url)), ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.on('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').at(-1)!) : reject(new Error(`stampede worker exited ${code}`))))
  })
}
