import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { freePort, waitFor } from '../../../packages/distributed-validation-cache/test/support/redis-server.js'
import { signIn } from './app-instance.js'

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const APP_DIR = fileURLToPath(new URL('..', import.meta.url))
const DATA_DIR = join(APP_DIR, '.data') // where the embedded defaults keep PGlite: absent on a fresh clone
const INSTALL = 'pnpm install && '

/**
 * What a newcomer's terminal lacks: every variable that would pick a cache, a user source, a secret
 * or a data folder (setting PGLITE_DATA_DIR is what hid the missing `.data` before), and what the
 * test runner and turbo add (a newcomer runs no NODE_ENV=test).
 */
const CONFIGURING = new RegExp(
  '^(REDIS_URL|DATABASE_URL|UPSTASH_|KV_|NEXT_PUBLIC_SUPABASE|SUPABASE|NEXTAUTH_' +
    '|CACHE_PROVIDER|VALIDATION_CACHE_|PGLITE_DATA_DIR|NODE_ENV|VITEST|TURBO_|npm_)',
)

/** process.env without what CONFIGURING names, plus `extra` (Next's types make NODE_ENV a required key). */
function newcomerEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: Record<string, string | undefined> = { ...process.env }
  for (const key of Object.keys(env)) if (CONFIGURING.test(key)) delete env[key]
  return { ...env, ...extra } as NodeJS.ProcessEnv
}

/** The README's first code block, first line, without its comment: the first command a newcomer runs. */
function firstReadmeCommand(): string {
  const block = /```[a-z]*\n([\s\S]*?)```/.exec(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8'))?.[1] ?? ''
  return (block.split('\n')[0] ?? '').replace(/#.*$/, '').trim()
}

/**
 * `pnpm demo` exactly as the README says, from the repo root, with no env and no `.data` folder,
 * driven over real HTTP as the README promises: sign in as the printed admin, see every page.
 * CI never ran the command, and a fresh clone answered 500 (ENOENT on `.data/pglite`) to all.
 */
describe("the README's first command", () => {
  it('serves a fresh clone: alice signs in and sees /, /admin, /observability', { timeout: 300_000 }, async () => {
    const command = firstReadmeCommand()
    expect(command).toBe('pnpm install && pnpm demo')
    const [bin, ...args] = command.slice(INSTALL.length).split(' ') // install is done: CI runs it first
    // A developer's own demo data is set aside, not deleted, and put back whatever happens.
    const aside = existsSync(DATA_DIR) ? join(APP_DIR, 'node_modules', `.data-aside-${process.pid}`) : undefined
    if (aside) renameSync(DATA_DIR, aside)
    const port = await freePort()
    let demo: ChildProcess | undefined
    const output: string[] = []
    try {
      expect(existsSync(DATA_DIR)).toBe(false)
      const env = newcomerEnv({ PORT: String(port) })
      // detached: the command leads a process group of its own, which stopGroup ends
      const child = spawn(bin!, args, { cwd: REPO_ROOT, detached: true, env, stdio: 'pipe' })
      demo = child
      for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => output.push(String(chunk)))
      const log = () => `\n--- ${command} printed:\n${output.join('').slice(-4_000)}`
      const base = `http://127.0.0.1:${port}`
      const exited = () => child.exitCode !== null || child.signalCode !== null

      // Any answer means the server is up; a 500 then fails at once with the log, not at the deadline.
      // Generous: `pnpm demo` runs a turbo build first (a cache hit after `pnpm test`'s own build).
      const login = await waitFor(async () => (exited() ? 'exited' : await fetch(`${base}/login`)), {
        timeoutMs: 120_000,
        intervalMs: 250,
        what: `${command} to serve /login`,
      })
      if (login === 'exited') {
        throw new Error(`${command} exited (${child.exitCode ?? child.signalCode}) before serving /login${log()}`)
      }
      expect(login.status, `GET /login: ${await login.text()}${log()}`).toBe(200)
      expect(output.join('')).toContain('alice@example.com') // the demo users are printed, passwords too
      expect(output.join('')).toContain('alice-demo-password')

      const cookie = await signIn(base, 'alice@example.com', 'alice-demo-password')
      expect(cookie, `sign-in as alice${log()}`).not.toBeNull()
      // manual: a page that redirects to /login (not signed in, not admin) must not pass as the 200 it lands on
      const get = (path: string) => fetch(`${base}${path}`, { headers: { cookie: cookie! }, redirect: 'manual' })

      const home = await get('/')
      expect(home.status, `GET /${log()}`).toBe(200)
      expect(await home.text()).toContain('alice@example.com')
      const admin = await get('/admin')
      expect(admin.status, `GET /admin${log()}`).toBe(200)
      const users = await admin.text()
      for (const email of ['alice@example.com', 'bob@example.com', 'carol@example.com']) expect(users).toContain(email)
      const observability = await get('/observability')
      expect(observability.status, `GET /observability${log()}`).toBe(200)
      expect(await observability.text()).toContain('Observability')

      const report = await get('/api/observability') // `curl -b <session cookie>`, as an admin would
      expect(report.status, `GET /api/observability${log()}`).toBe(200)
      expect(report.headers.get('content-type')).toMatch(/application\/json/)
      expect(await report.json()).toHaveProperty('authentication')
      expect((await fetch(`${base}/api/observability`)).status).toBe(401) // the session opened it, not the URL
      const me = await (await get('/api/me')).json()
      expect(me).toMatchObject({ user: { email: 'alice@example.com' }, verdict: 'active' })
      const health = await (await fetch(`${base}/api/health`)).json()
      expect(health).toMatchObject({ status: 'ok', backend: 'memory', source: 'pglite' }) // embedded defaults

      expect(existsSync(join(DATA_DIR, 'pglite', 'PG_VERSION'))).toBe(true) // created, parents and all
    } finally {
      if (demo) await stopGroup(demo)
      rmSync(DATA_DIR, { recursive: true, force: true })
      if (aside) renameSync(aside, DATA_DIR)
    }
  })
})

/**
 * Ends what `pnpm demo` started — pnpm, the shell, demo.mjs, next start — by the group its PID
 * leads (detached), never by name: SIGTERM, then SIGKILL for whatever outlives a deadline.
 */
async function stopGroup(child: ChildProcess): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error // ESRCH: all gone already
    }
  }
  const exited =
    child.exitCode !== null || child.signalCode !== null
      ? Promise.resolve()
      : new Promise<void>((resolve) => child.once('exit', () => resolve()))
  signal('SIGTERM')
  let timer: NodeJS.Timeout | undefined
  await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000)))])
  clearTimeout(timer)
  signal('SIGKILL') // the leader may exit before next start's own children; ESRCH when none are left
}
