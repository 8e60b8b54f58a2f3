import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBridge } from 'upstash-rest-bridge'
import { fromEnv } from '../src/config/config.js'
import { broadcastRoundTrip, doctor, upstashSubscribes } from '../src/config/doctor.js'
import { installTriggers } from '../src/setup/triggers.js'
import { TcpProxy } from './support/tcp-proxy.js'
import { migrateAuthSchema } from '../src/setup/auth-schema.js'
import { postgresSource } from '../src/sources/postgres.js'
import { FakeGoTrue } from './support/gotrue.js'
import { freePort, OwnRedisServer } from './support/redis-server.js'
import { createScratchDatabase } from './support/scratch-database.js'
import { runShippedBin } from './support/shipped-bin.js'
import { postgresAvailable, REDIS_URL, redisAvailable } from './support/services.js'

const servicesUp = (await redisAvailable()) && (await postgresAvailable())
const PASSWORD = 'doctor-s3cret-pass'

describe.skipIf(!servicesUp)('doctor', () => {
  let redis: OwnRedisServer
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>
  let healthy: Record<string, string>
  beforeAll(async () => {
    redis = await OwnRedisServer.start(['--requirepass', PASSWORD])
    scratch = await createScratchDatabase()
    const db = postgresSource({ url: scratch.url })
    await migrateAuthSchema(db.run)
    await installTriggers(db.run, 'dvc:')
    await db.close()
    healthy = {
      REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redis.port}`,
      DATABASE_URL: scratch.url,
      VALIDATION_CACHE_SECRET: 'doctor-signing-secret-0123',
      REVALIDATION_WEBHOOK_SECRET: 'doctor-webhook-secret-0123',
      OBSERVABILITY_TOKEN: 'doctor-observability-0123',
    }
  })
  afterAll(async () => {
    await scratch?.drop()
    await redis?.stop()
  })

  it('reports the backend, redacted URLs, round trips and the user source clock; no problems, no warnings', async () => {
    const report = await doctor(healthy)
    expect(report.problems).toEqual([])
    expect(report.warnings).toEqual([])
    const text = report.lines.join('\n')
    expect(text).toContain(`cache backend: redis at redis://:****@127.0.0.1:${redis.port} — REDIS_URL is set`)
    expect(text).toMatch(/cache round trip \(SET \+ GET \+ DEL, median of 5\): [\d.]+ ms/)
    expect(text).toMatch(/user source round trip \(postgres, one lookup, median of 5\): [\d.]+ ms/)
    expect(text).toMatch(/user source clock: [+-]\d+ ms from this machine/)
    expect(text).toContain('auth.users trigger: v2, notifying dvc:user_changed')
    expect(text).toMatch(/LISTEN dvc:user_changed: a probe came back in \d+ ms/)
    expect(text).not.toContain(PASSWORD)
  })

  it('checks the event paths: a missing or foreign-channel trigger, a LISTEN that hears nothing', async () => {
    const other = await createScratchDatabase()
    const proxy = await new TcpProxy({ host: '127.0.0.1', port: Number(new URL(scratch.url).port || 5432) }).start()
    try {
      const db = postgresSource({ url: other.url })
      await migrateAuthSchema(db.run)
      const missing = await doctor({ ...healthy, DATABASE_URL: other.url })
      expect(missing.warnings).toEqual([
        expect.stringMatching(/^the auth.users trigger is not installed: bans made outside this app .* up to the TTL/),
      ])
      await installTriggers(db.run, 'shop:')
      await db.close()
      const foreign = await doctor({ ...healthy, DATABASE_URL: other.url })
      expect(foreign.problems).toEqual([
        'the auth.users trigger notifies shop:user_changed, this app listens on dvc:user_changed: ' +
          'run dvc-db-setup --triggers with VALIDATION_CACHE_PREFIX=dvc:',
      ])
      // A LISTEN connection through which nothing comes back, as behind a transaction-mode pooler.
      proxy.set({ kind: 'blackhole' })
      const listenUrl = `postgres://postgres@127.0.0.1:${proxy.port}${new URL(scratch.url).pathname}`
      const deaf = await doctor({ ...healthy, DATABASE_LISTEN_URL: listenUrl })
      expect(deaf.problems).toEqual([
        expect.stringMatching(/^LISTEN on dvc:user_changed hears nothing back: .* DATABASE_LISTEN_URL/),
      ])
    } finally {
      await proxy.stop()
      await other.drop()
    }
  })

  it('names what is wrong: bad config in one line, an unreachable cache, risky settings', async () => {
    expect((await doctor({ ...healthy, VALIDATION_CACHE_TTL: 'soon' })).problems).toEqual([
      expect.stringMatching(/^Invalid configuration: VALIDATION_CACHE_TTL must be a duration/),
    ])
    const down = await doctor({ ...healthy, REDIS_URL: `redis://127.0.0.1:${await freePort()}` })
    expect(down.problems).toEqual([expect.stringMatching(/^cache \(redis\) unreachable/)])
    const risky = await doctor({
      DATABASE_URL: scratch.url,
      VALIDATION_CACHE_TTL: '2 h',
      NEXTAUTH_SESSION_MAX_AGE: '1 h',
      WEB_CONCURRENCY: '2',
    })
    expect(risky.problems).toEqual([])
    expect(risky.warnings.join('\n')).toMatch(/memory cache: each instance keeps its own .* runs several/)
    expect((await doctor({ DATABASE_URL: scratch.url })).warnings.join('\n')).not.toMatch(/memory cache/) // one instance: fine
    expect(risky.warnings.join('\n')).toMatch(
      /VALIDATION_CACHE_TTL \(7200 s\) is longer than the session max age \(3600 s\)/,
    )
    expect(risky.warnings.join('\n')).toMatch(/REVALIDATION_WEBHOOK_SECRET is not set/)
  })

  it('the shipped dvc-doctor bin exits 0 when healthy and 1 when not, for scripts and CI', () => {
    const run = (env: Record<string, string>, ...args: string[]) => runShippedBin('dvc-doctor', env, args)
    const ok = run(healthy)
    expect(ok.status).toBe(0)
    expect(ok.stdout).toMatch(/doctor: healthy/)
    const bad = run({ ...healthy, CACHE_PROVIDER: 'memcached' })
    expect(bad.status).toBe(1)
    expect(bad.stdout).toMatch(/PROBLEM: Invalid configuration: CACHE_PROVIDER must be memory, redis or upstash/)
    expect(run({ DATABASE_URL: scratch.url }, '--strict').status).toBe(1) // warnings (no webhook secret…) fail under --strict
  })

  it('tells whether Upstash confirms a subscription (for the serverless warning)', async () => {
    const bridge = await startBridge({ redisUrl: REDIS_URL, token: `t-${randomUUID()}` })
    try {
      const env = {
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: bridge.token,
        VALIDATION_CACHE_SECRET: 'doctor-signing-secret-0123',
      }
      expect(await upstashSubscribes(fromEnv(env))).toBe(true)
      expect(
        await upstashSubscribes(fromEnv({ ...env, UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${await freePort()}` })),
      ).toBe(false)
    } finally {
      await bridge.close()
    }
  })

  it('hears a broadcast of its own back on Redis and Upstash, and says when it does not', async () => {
    const secret = { VALIDATION_CACHE_SECRET: 'doctor-signing-secret-0123' }
    expect(await broadcastRoundTrip(fromEnv({ REDIS_URL, ...secret }))).toEqual(expect.any(Number))
    expect(
      await broadcastRoundTrip(fromEnv({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, ...secret }), 1_500),
    ).toBeNull()
    const bridge = await startBridge({ redisUrl: REDIS_URL, token: `t-${randomUUID()}` })
    try {
      expect(
        await broadcastRoundTrip(
          fromEnv({ UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token, ...secret }),
        ),
      ).toEqual(expect.any(Number))
    } finally {
      await bridge.close()
    }
  }, 20_000)

  it('measures Supabase Auth too: a lookup through the admin API and its clock from the Date header', async () => {
    const gotrue = await new FakeGoTrue(`service-${randomUUID()}`).start()
    try {
      const report = await doctor({
        NEXT_PUBLIC_SUPABASE_URL: gotrue.url,
        SUPABASE_SERVICE_ROLE_KEY: gotrue.serviceRoleKey,
        NEXT_PUBLIC_SUPABASE_ANON_KEY: gotrue.anonKey,
      })
      expect(report.problems).toEqual([])
      expect(report.lines.join('\n')).toMatch(/user source round trip \(supabase, one lookup, median of 5\): [\d.]+ ms/)
      expect(report.lines.join('\n')).toMatch(/user source clock: [+-]\d+ ms from this machine/)
    } finally {
      await gotrue.stop()
    }
  })
})

/** Arguments are checked before anything is read or opened: these need no services. */
describe("the dvc-doctor bin's arguments", () => {
  let app: string
  beforeAll(() => void (app = mkdtempSync(join(tmpdir(), 'dvc-app-'))))
  afterAll(() => rmSync(app, { recursive: true, force: true }))
  // A configuration doctor would report as broken: --help must not get as far as checking it.
  const broken = { CACHE_PROVIDER: 'memcached', REDIS_URL: 'redis://127.0.0.1:1' }
  const run = (...args: string[]) => runShippedBin('dvc-doctor', broken, args, { cwd: app })

  it('--help / -h prints what it checks, every flag and the variables it reads, and exits 0 without checking', () => {
    for (const flag of ['--help', '-h']) {
      const help = run(flag)
      expect(help.status, flag).toBe(0)
      expect(help.stderr).toBe('')
      expect(help.stdout).toMatch(/^Usage: dvc-doctor \[--strict\]\n/)
      for (const word of [
        '--strict',
        '-h, --help',
        'REDIS_URL',
        'UPSTASH_REDIS_REST_URL',
        'DATABASE_URL',
        'NEXT_PUBLIC_SUPABASE_URL',
        'PGLITE_DATA_DIR',
        'VALIDATION_CACHE_SECRET',
      ])
        expect(help.stdout).toContain(word)
      expect(help.stdout).not.toMatch(/^(PROBLEM|warning|cache backend|user source):|doctor: (not )?healthy/m)
    }
    expect(existsSync(join(app, '.data'))).toBe(false)
  })

  it("reads the app's .env.local, then .env, as Next does: a variable already set wins over both", () => {
    const dir = mkdtempSync(join(tmpdir(), 'dvc-app-env-'))
    try {
      writeFileSync(join(dir, '.env.local'), 'CACHE_PROVIDER=memcached\n')
      writeFileSync(join(dir, '.env'), 'CACHE_PROVIDER=redis\nVALIDATION_CACHE_TTL=soon\n')
      const fromFiles = runShippedBin('dvc-doctor', {}, [], { cwd: dir })
      expect(fromFiles.status).toBe(1)
      expect(fromFiles.stdout).toMatch(/CACHE_PROVIDER must be/) // .env.local's bad value, over .env's good one
      expect(fromFiles.stdout).toMatch(/VALIDATION_CACHE_TTL must be/) // and what only .env says
      const overridden = runShippedBin('dvc-doctor', { CACHE_PROVIDER: 'memory', VALIDATION_CACHE_TTL: '5 m' }, [], {
        cwd: dir,
      })
      expect(overridden.stdout).not.toMatch(/CACHE_PROVIDER must be|VALIDATION_CACHE_TTL must be/)
      expect(overridden.stdout).toMatch(/^read \.env\.local and \.env/m)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('refuses an unknown flag or a stray argument with one line and the usage, exit 2', () => {
    const cases: [string[], string][] = [
      [['--bogus'], "dvc-doctor: unknown option '--bogus'"],
      [['--strict', 'now'], "dvc-doctor: unexpected argument 'now'"],
      [['--strict=yes'], "dvc-doctor: option '--strict' does not take a value"],
    ]
    for (const [args, line] of cases) {
      const refused = run(...args)
      expect(refused.status, args.join(' ')).toBe(2)
      expect(refused.stdout).toBe('')
      expect(refused.stderr.startsWith(`${line}\n\nUsage: dvc-doctor [--strict]\n`), refused.stderr).toBe(true)
    }
  })
})
