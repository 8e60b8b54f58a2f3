import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import postgres from 'postgres'
import { migrateAuthSchema, seedDemoUsers } from '../../src/drivers/setup.js'
import { postgresSource } from '../../src/sources/postgres.js'
import { freePort, OwnRedisServer, waitFor } from './redis-server.js'
import { createScratchDatabase } from './scratch-database.js'
import { PACKAGE_ROOT } from './shipped-bin.js'

const sh = promisify(execFile)
/** The versions this workspace tests with, for the fresh app's own package.json. */
export const dev = (
  JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }
).devDependencies
export const WEBHOOK_SECRET = 'fresh-app-webhook-secret-0123456789'
export const OBSERVABILITY_TOKEN = 'fresh-app-observability-token-01'

export interface FreshApp {
  base: string
  databaseUrl: string
  /** Connections Redis received during `next build`: the cache must be built on first use. */
  connectionsDuringBuild: number
  /** What `next build` printed. */
  buildOutput: string
  /** The app's folder: to change a file and build again. */
  dir: string
  env: NodeJS.ProcessEnv
  /** The end of what `next start` printed: for a failure's message. */
  output(): string
  stop(): Promise<void>
}

export interface FreshAppOptions {
  /** Fixture folders laid over common/ in order (test/fixtures/fresh-app/<name>). */
  fixtures: string[]
  dependencies: Record<string, string | undefined>
  env: (base: string) => Record<string, string>
  /** A Redis and a Postgres database with the demo users, of the app's own. Default true. */
  services?: boolean
}

/**
 * Someone else's Next.js app, outside the workspace: a temp folder with its own package.json, the
 * fixture's files, packages from the registry and the packed tarball (no workspace link, no path
 * into packages/), against a Redis and a database of its own with the demo users; built and
 * started with `next start`. The fixtures (common/: the webhook, /api/observability, the cache
 * module; then each of `fixtures`) are wired only as the README says.
 */
export async function startFreshApp({
  fixtures,
  dependencies,
  env,
  services = true,
}: FreshAppOptions): Promise<FreshApp> {
  const work = mkdtempSync(join(tmpdir(), `dvc-${fixtures.join('+')}-`))
  let server: ChildProcess | undefined
  let redis: OwnRedisServer | undefined
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined
  const stop = async () => {
    if (server?.pid) process.kill(-server.pid, 'SIGTERM')
    await redis?.stop()
    await scratch?.drop()
    rmSync(work, { recursive: true, force: true })
  }
  try {
    await sh('pnpm', ['pack', '--pack-destination', work], { cwd: PACKAGE_ROOT })
    const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'))!
    const app = join(work, 'app')
    mkdirSync(app)
    for (const files of ['common', ...fixtures])
      cpSync(new URL(`../fixtures/fresh-app/${files}`, import.meta.url), app, { recursive: true })
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify(
        {
          name: 'someone-elses-app',
          version: '1.0.0',
          private: true,
          dependencies: {
            'distributed-validation-cache': `file:${join(work, tarball)}`,
            next: dev.next,
            react: dev.react,
            'react-dom': dev['react-dom'],
            ...dependencies,
          },
          devDependencies: { typescript: '5.9.3', '@types/react': '19.3.0', '@types/node': dev['@types/node'] },
        },
        null,
        2,
      ),
    )
    await sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
      cwd: app,
      timeout: 300_000,
    })

    if (services) {
      redis = await OwnRedisServer.start()
      scratch = await createScratchDatabase()
      const source = postgresSource({ url: scratch.url })
      await migrateAuthSchema(source.run)
      await seedDemoUsers(source.run)
      await source.close()
    }

    const port = await freePort()
    const base = `http://127.0.0.1:${port}`
    const appEnv = {
      ...process.env,
      NEXT_TELEMETRY_DISABLED: '1',
      NODE_ENV: 'production' as const,
      PORT: String(port),
      ...(scratch && redis ? { DATABASE_URL: scratch.url, REDIS_URL: redis.url } : {}),
      REVALIDATION_WEBHOOK_SECRET: WEBHOOK_SECRET,
      OBSERVABILITY_TOKEN,
      ...env(base),
    }
    const admin = redis && new Redis(redis.url)
    const connections = async () =>
      admin ? Number(/total_connections_received:(\d+)/.exec(await admin.info('stats'))![1]) : Number.NaN
    const before = await connections()
    const buildOutput = await nextBuild(app, appEnv).catch((error: Error) => {
      admin?.disconnect()
      throw error
    })
    const connectionsDuringBuild = (await connections()) - before
    await admin?.quit()
    server = spawn('npx', ['next', 'start', '-p', String(port), '-H', '127.0.0.1'], {
      cwd: app,
      env: appEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    let output = ''
    for (const stream of [server.stdout!, server.stderr!])
      stream.on('data', (chunk: Buffer) => void (output = (output + chunk).slice(-4_000)))
    await waitFor(async () => (await fetch(`${base}/api/auth/csrf`).catch(() => null))?.ok, {
      timeoutMs: 60_000,
      intervalMs: 250,
      what: 'next start',
    }).catch((error: Error) => {
      throw new Error(`${error.message}; next start said:\n${output}`)
    })
    return {
      base,
      databaseUrl: scratch?.url ?? '',
      connectionsDuringBuild,
      buildOutput,
      dir: app,
      env: appEnv,
      output: () => output,
      stop,
    }
  } catch (error) {
    await stop()
    throw error
  }
}

/** `next build` in `dir`; rejects with the end of what it printed. Resolves with all it printed. */
export async function nextBuild(dir: string, env: NodeJS.ProcessEnv): Promise<string> {
  return sh('npx', ['next', 'build'], { cwd: dir, env, timeout: 300_000 }).then(
    ({ stdout, stderr }) => `${stdout}\n${stderr}`,
    (error: { stdout?: string; stderr?: string }) => {
      throw new Error(`next build failed:\n${error.stdout ?? ''}\n${error.stderr ?? ''}`.slice(-4_000))
    },
  )
}

/** Bans a user in SQL, then delivers what Supabase's Database Webhook would send. The webhook's status. */
export async function banAndNotify(app: FreshApp, email: string): Promise<number> {
  const sql = postgres(app.databaseUrl, { max: 1, onnotice: () => undefined })
  const [row] =
    await sql`update auth.users set banned_until = now() + interval '1 hour' where email = ${email} returning id`
  await sql.end()
  return notifyChange(app, row!.id as string)
}

/** What Supabase's Database Webhook sends when a row of auth.users changes. The webhook's status. */
export async function notifyChange(app: FreshApp, id: string): Promise<number> {
  const hook = await fetch(`${app.base}/api/validation/webhook`, {
    method: 'POST',
    headers: { authorization: `Bearer ${WEBHOOK_SECRET}`, 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'UPDATE', table: 'users', schema: 'auth', record: { id }, old_record: { id } }),
  })
  return hook.status
}

type Report = {
  instances: { seen: number }
  authentication: { logins: { total: number }; validations: { total: number } }
}

/** The app's /api/observability report. */
export async function observabilityOf(app: FreshApp): Promise<Report> {
  const response = await fetch(`${app.base}/api/observability`, {
    headers: { authorization: `Bearer ${OBSERVABILITY_TOKEN}` },
  })
  return (await response.json()) as Report
}
