import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { freePort, waitFor } from '../../../packages/distributed-validation-cache/test/support/redis-server.js'
import { signIn } from './app-instance.js'

/** `pnpm demo` with no environment at all: memory cache, PGlite, demo users — and /login served. */
describe('embedded defaults', () => {
  it('serves /login and signs the printed demo admin in, with no env', async () => {
    const port = await freePort()
    const dataDir = mkdtempSync(join(tmpdir(), 'dvc-pglite-'))
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(REDIS_URL|DATABASE_URL|UPSTASH_|KV_REST_|NEXT_PUBLIC_SUPABASE|SUPABASE_|NEXTAUTH_|CACHE_PROVIDER|VALIDATION_CACHE_)/.test(k)))
    const demo = spawn('node', [fileURLToPath(new URL('../scripts/demo.mjs', import.meta.url))], {
      env: { ...env, NODE_ENV: 'production', PORT: String(port), PGLITE_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    })
    let output = ''
    demo.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    try {
      const base = `http://127.0.0.1:${port}`
      await waitFor(async () => (await fetch(`${base}/login`)).ok, { timeoutMs: 30_000, intervalMs: 200, what: 'the demo to serve /login' })
      expect(output).toContain('alice@example.com')
      expect(output).toContain('alice-demo-password')
      const cookie = await signIn(base, 'alice@example.com', 'alice-demo-password') // first request opens and seeds PGlite
      expect(cookie).not.toBeNull()
      const me = await (await fetch(`${base}/api/me`, { headers: { cookie: cookie! } })).json()
      expect(me).toMatchObject({ user: { email: 'alice@example.com' }, verdict: 'active' })
      const health = await (await fetch(`${base}/api/health`)).json()
      expect(health).toMatchObject({ status: 'ok', backend: 'memory', source: 'pglite' })
    } finally {
      process.kill(-demo.pid!, 'SIGTERM') // the script and the next server it started
      await new Promise((resolve) => demo.once('exit', resolve))
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
