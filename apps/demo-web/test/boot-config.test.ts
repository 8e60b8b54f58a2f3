import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { freePort } from '../../../packages/distributed-validation-cache/test/support/redis-server.js'

const APP_DIR = fileURLToPath(new URL('..', import.meta.url))

// Only what each case sets picks the cache and the user source, whatever the runner's env holds.
const inherited = () =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        !/^(REDIS_URL|DATABASE_URL|UPSTASH_|KV_|NEXT_PUBLIC_SUPABASE|SUPABASE|CACHE_PROVIDER|VALIDATION_CACHE_|AUTH_SECRET)/.test(
          k,
        ),
    ),
  )

/** `next start` of the built app with `env`: its exit code and what it printed, or a timeout. */
async function boot(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const port = await freePort()
  const child = spawn(`${APP_DIR}/node_modules/.bin/next`, ['start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: APP_DIR,
    env: { ...inherited(), NODE_ENV: 'production', NEXTAUTH_SECRET: 'boot-test-secret-0123456789', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk: Buffer) => void (output += chunk))
  const deadline = setTimeout(() => child.kill('SIGKILL'), 30_000) // generous: a start takes about a second
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  clearTimeout(deadline)
  return { code, output }
}

describe('instrumentation.ts: the configuration checked at boot', () => {
  it.each([
    [{ VALIDATION_CACHE_TTL: 'soon' }, 'VALIDATION_CACHE_TTL'],
    [{ REDIS_URL: 'redis://127.0.0.1:6379', NEXTAUTH_SECRET: '' }, 'VALIDATION_CACHE_SECRET'],
    [{ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres', NEXTAUTH_SECRET: '' }, 'NEXTAUTH_SECRET'],
  ])(
    'a bad environment (%j) stops next start: exit 1 and one line naming %s',
    async (env, variable) => {
      const { code, output } = await boot(env)
      expect(code, output).toBe(1)
      expect(output).toMatch(new RegExp(`^\\[demo-web\\] Invalid configuration: ${variable} `, 'm'))
      expect(output).not.toMatch(/\n\s+at /) // one line, no stack trace
    },
    40_000,
  )
})
