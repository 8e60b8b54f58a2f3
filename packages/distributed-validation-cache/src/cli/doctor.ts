/**
 * `dvc-doctor [--strict]` (`pnpm run doctor` here): checks the environment the app would run with.
 * Exit 0 healthy, 1 not, 2 usage error.
 */
import { fromEnv } from '../config/config.js'
import { broadcastRoundTrip, doctor, upstashSubscribes } from '../config/doctor.js'
import { parseFlags, type CliSpec } from './args.js'
import { loadEnvFiles } from './env-files.js'

const NAME = 'dvc-doctor'

const spec: CliSpec<'strict'> = {
  name: NAME,
  about: [
    'Checks the configuration the app would run with, read from the environment (and .env.local, .env): ' +
      'which cache backend and',
    "user source it picks and why, a round trip to each, the user source's clock, and risky settings.",
    'Secrets are redacted. It leaves nothing behind (its test key in the cache is deleted and expires in 10 s),',
    'and does not open the embedded PGlite, which serves one process at a time.',
  ].join('\n'),
  flags: { strict: 'warnings fail too (exit 1), for CI' },
  env: {
    REDIS_URL: 'a Redis as the shared cache (redis:// or rediss://)',
    'UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN':
      "Upstash as the shared cache (or Vercel KV's " + 'KV_REST_API_URL, KV_REST_API_TOKEN)',
    CACHE_PROVIDER: 'memory, redis or upstash: forces one (default: from the variables above)',
    DATABASE_URL: 'a Postgres with auth.users as the user source',
    'NEXT_PUBLIC_SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY, NEXT_PUBLIC_SUPABASE_ANON_KEY':
      'Supabase Auth as the user source',
    PGLITE_DATA_DIR: 'the embedded PGlite, the user source when neither is set',
    'VALIDATION_CACHE_SECRET, NEXTAUTH_SECRET (or AUTH_SECRET)':
      'sign shared cache entries (the first, or one derived from the second)',
    'VALIDATION_CACHE_TTL, _NEGATIVE_TTL, _GRACE, _L1_TTL': 'how long verdicts are kept (durations such as "5 min")',
    'VALIDATION_CACHE_MAX_SIZE, _STORE_TIMEOUT, _SOURCE_TIMEOUT, _SUBSCRIBE, _PREFIX': "the cache's other settings",
    ENABLE_AUTH_VALIDATION_CACHE: 'false turns the cache off: every request asks the user source',
    'NEXTAUTH_SESSION_MAX_AGE, NEXTAUTH_URL': "next-auth's (a TTL longer than the session is a warning)",
    'REVALIDATION_WEBHOOK_SECRET, OBSERVABILITY_TOKEN': "the webhook's and the observability endpoints' secrets",
    'WEB_CONCURRENCY, INSTANCE_COUNT, VERCEL': 'how many instances run (several with the memory cache is a warning)',
  },
  exits: '0 healthy, 1 not healthy (or, with --strict, any warning)',
}

const flags = parseFlags(spec)
const files = loadEnvFiles()
try {
  const report = await doctor()
  if (files.length > 0) report.lines.unshift(`read ${files.join(' and ')} (variables already set win, as in Next.js)`)
  if (report.problems.length === 0) {
    const config = fromEnv()
    if (config.cache.provider === 'upstash' && config.subscribe && !(await upstashSubscribes(config))) {
      report.warnings.push(
        'Upstash did not confirm a subscription: set VALIDATION_CACHE_SUBSCRIBE=false ' +
          '(lockout then rests on the change log, read every ~250 ms while serving)',
      )
    } else if (config.subscribe && config.cache.provider !== 'memory') {
      const ms = await broadcastRoundTrip(config)
      if (ms === null)
        report.warnings.push(
          `a broadcast sent by this process did not come back within 3 s on ${config.cache.provider}: ` +
            'lockout then waits for the change log (about a second) instead of arriving at once',
        )
      else report.lines.push(`broadcast round trip (published and heard back on ${config.cache.provider}): ${ms} ms`)
    }
  }
  for (const line of report.lines) console.log(line)
  for (const warning of report.warnings) console.log(`warning: ${warning}`)
  for (const problem of report.problems) console.log(`PROBLEM: ${problem}`)
  const failed = report.problems.length > 0 || (flags.strict && report.warnings.length > 0)
  const warnings = report.warnings.length ? ` (${report.warnings.length} warning(s))` : ''
  console.log(failed ? 'doctor: not healthy' : `doctor: healthy${warnings}`)
  process.exit(failed ? 1 : 0)
} catch (error) {
  // doctor() reports what it finds; anything thrown is a bug or a broken install, still said in one line.
  console.error(`${NAME}: ${(error as Error).message}`)
  process.exit(1)
}
