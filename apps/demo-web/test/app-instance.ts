import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { waitFor } from '../../../packages/distributed-validation-cache/test/support/redis-server.js'

const APP_DIR = fileURLToPath(new URL('..', import.meta.url))

/** One `next start` of the built demo app, as a deployment runs it, on its own port. */
export class AppInstance {
  #process: ChildProcess | undefined
  readonly output: string[] = []
  constructor(
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async start(): Promise<this> {
    if (!existsSync(`${APP_DIR}/.next/BUILD_ID`))
      throw new Error('demo-web is not built: run `pnpm --filter demo-web build` (pnpm test does it)')
    this.#process = spawn(`${APP_DIR}/node_modules/.bin/next`, ['start', '-p', String(this.port), '-H', '127.0.0.1'], {
      cwd: APP_DIR,
      // An empty value unsets a variable (next-auth tests `process.env.X` for truthiness, as on Vercel).
      env: withoutEmpty({
        ...process.env,
        NODE_ENV: 'production',
        NEXTAUTH_URL: this.url,
        INSTANCE_ID: `app-${this.port}`,
        ...this.env,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    for (const stream of [this.#process.stdout!, this.#process.stderr!])
      stream.on('data', (chunk: Buffer) => this.output.push(chunk.toString()))
    await waitFor(async () => (await fetch(`${this.url}/login`)).ok, {
      timeoutMs: 30_000,
      intervalMs: 100,
      what: `next start on ${this.port}`,
    })
    return this
  }

  /** SIGSTOP / SIGCONT: a frozen process, as a serverless platform suspends an idle instance. */
  freeze(): void {
    this.#process?.kill('SIGSTOP')
  }

  thaw(): void {
    this.#process?.kill('SIGCONT')
  }

  async stop(): Promise<void> {
    this.thaw() // a frozen process cannot handle SIGTERM
    const child = this.#process
    if (!child || child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGTERM')
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))])
    if (child.exitCode === null) child.kill('SIGKILL')
  }
}

/** A cookie jar of one: the session cookie next-auth (v4 or v5) sets, as curl -c/-b would keep it. */
export async function signIn(
  base: string,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<string | null> {
  const csrfResponse = await fetch(`${base}/api/auth/csrf`, { headers })
  const csrfCookie = cookiesOf(csrfResponse)
  const { csrfToken } = (await csrfResponse.json()) as { csrfToken: string }
  const response = await fetch(`${base}/api/auth/callback/credentials`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    body: new URLSearchParams({ csrfToken, email, password, json: 'true' }),
    redirect: 'manual',
  })
  // next-auth v4 answers json=true with 200; Auth.js v5 ignores it and redirects (302), cookie set or not.
  const session = cookiesOf(response)
    .split('; ')
    .find((c) => /^(__Secure-)?(next-auth|authjs)\.session-token=/.test(c))
  return (response.ok || response.status === 302) && session ? session : null
}

export function cookiesOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
}

function withoutEmpty(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')) as NodeJS.ProcessEnv
}

/** A Cookie header as Next's own parser (@edge-runtime/cookies) reads it: the last one of a name wins. */
export function parsedCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const pair of (header ?? '').split(/; */)) {
    const at = pair.indexOf('=')
    const [name, value] = at < 0 ? [pair, 'true'] : [pair.slice(0, at), pair.slice(at + 1)]
    try {
      if (pair) cookies.set(name, decodeURIComponent(value))
    } catch {
      /* undecodable: no cookie */
    }
  }
  return cookies
}

/**
 * next-auth's rule (core/lib/assert.js): a callbackUrl, from the query or its cookie, is absolute
 * http(s) or a path.
 */
export function badCallbackUrl({ path, headers }: { path: string; headers: Record<string, string> }): boolean {
  const valid = (url: string) => {
    try {
      return url === '' || /^https?:/.test(new URL(url, url.startsWith('/') ? 'http://x' : undefined).protocol)
    } catch {
      return false
    }
  }
  const query = new URL(path, 'http://x').searchParams.get('callbackUrl')
  const cookie = parsedCookies(headers.cookie).get('next-auth.callback-url')
  return (query !== null && !valid(query)) || (cookie !== undefined && !valid(cookie))
}
