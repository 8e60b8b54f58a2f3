import { createServer, type IncomingMessage, type Server } from 'node:http'

/** What GoTrue answers for one user id instead of the user, to reproduce each failure. */
export type Behaviour =
  | { kind: 'not-found'; format: 'current' | 'legacy' }
  | { kind: 'status'; status: 401 | 403 | 404 | 429 | 500 | 503; body: unknown }
  | { kind: 'hang' }

export interface FakeUser {
  id: string
  email: string
  app_metadata: Record<string, unknown>
  /** What the user may edit themselves: the source must never read a ban or a role from it. */
  user_metadata?: Record<string, unknown>
  banned_until?: string
  deleted_at?: string
}

/**
 * A local stand-in for Supabase Auth's admin API, answering with GoTrue's exact shapes: the
 * bare user object, optional fields absent when empty, both error body formats (with the
 * X-Supabase-Api-Version header that makes supabase-js read the current one).
 */
export class FakeGoTrue {
  readonly users = new Map<string, FakeUser>()
  readonly behaviours = new Map<string, Behaviour>()
  /** How every admin lookup fails while set: a whole-service outage (null: answering). */
  outage: Behaviour | null = null
  readonly requests: { method: string; path: string; apikey?: string; authorization?: string; body?: unknown }[] = []
  #server: Server | undefined
  #hanging = new Set<IncomingMessage>()
  url = ''

  /** Passwords by user id, for the password grant (sign-in with the anon key). */
  readonly passwords = new Map<string, string>()
  constructor(
    readonly serviceRoleKey: string,
    readonly anonKey = `anon-${serviceRoleKey}`,
  ) {}

  /** Listens on a free port, or again on the port it had (after stop(): connections refused meanwhile). */
  async start(): Promise<this> {
    const port = this.url ? Number(new URL(this.url).port) : 0
    this.#server = createServer((req, res) => void this.#handle(req, res))
    await new Promise<void>((resolve, reject) => this.#server!.once('error', reject).listen(port, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.#server!.address() as { port: number }).port}`
    return this
  }

  async stop(): Promise<void> {
    for (const req of this.#hanging) req.socket.destroy()
    this.#hanging.clear()
    this.#server?.closeAllConnections()
    await new Promise((resolve) => this.#server?.close(resolve))
  }

  /** Ends an outage: hanging requests are cut, and lookups are answered again. */
  recover(): void {
    this.outage = null
    for (const req of this.#hanging) req.socket.destroy()
    this.#hanging.clear()
  }

  async #handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : undefined
    const path = req.url ?? ''
    this.requests.push({
      method: req.method ?? '',
      path,
      apikey: req.headers.apikey as string | undefined,
      authorization: req.headers.authorization,
      body,
    })
    const send = (status: number, payload: unknown, current = true) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(current ? { 'x-supabase-api-version': '2024-01-01' } : {}),
      })
      res.end(JSON.stringify(payload))
    }
    if (path === '/auth/v1/token?grant_type=password' && req.headers.apikey === this.anonKey)
      return this.#passwordGrant(body, send)
    if (req.headers.authorization !== `Bearer ${this.serviceRoleKey}` || req.headers.apikey !== this.serviceRoleKey) {
      return send(401, { code: 'bad_jwt', message: 'invalid JWT: unable to parse or verify signature' })
    }
    const match = /^\/auth\/v1\/admin\/users\/([^/?]+)$/.exec(path)
    if (!match) return send(404, { code: 404, msg: 'Not Found' }, false) // an unknown route, not a missing user
    const id = match[1]!
    const behaviour = this.outage ?? this.behaviours.get(id)
    if (behaviour?.kind === 'hang') return void this.#hanging.add(req)
    if (behaviour?.kind === 'status') return send(behaviour.status, behaviour.body)
    const user = this.users.get(id)
    if (!user || behaviour?.kind === 'not-found') {
      return behaviour?.kind === 'not-found' && behaviour.format === 'legacy'
        ? send(404, { code: 404, error_code: 'user_not_found', msg: 'User not found' }, false)
        : send(404, { code: 'user_not_found', message: 'User not found' })
    }
    if (req.method === 'PUT') {
      // GoTrue merges app_metadata key by key.
      const update = body as { app_metadata?: Record<string, unknown> }
      user.app_metadata = { ...user.app_metadata, ...update.app_metadata }
    }
    send(200, this.#wire(user))
  }

  #passwordGrant(body: { email?: string; password?: string }, send: (status: number, payload: unknown) => void) {
    const user = [...this.users.values()].find((u) => u.email === body.email)
    if (!user || this.passwords.get(user.id) !== body.password || user.deleted_at)
      return send(400, { code: 'invalid_credentials', message: 'Invalid login credentials' })
    if (user.banned_until && Date.parse(user.banned_until) > Date.now())
      return send(400, { code: 'user_banned', message: 'User is banned' })
    const expiresAt = Math.floor(Date.now() / 1000) + 3_600
    send(200, {
      access_token: 'header.payload.signature',
      token_type: 'bearer',
      expires_in: 3_600,
      expires_at: expiresAt,
      refresh_token: 'refresh',
      user: this.#wire(user),
    })
  }

  #wire(user: FakeUser) {
    const now = new Date().toISOString()
    return {
      id: user.id,
      aud: 'authenticated',
      role: 'authenticated',
      email: user.email,
      email_confirmed_at: now,
      phone: '',
      confirmed_at: now,
      last_sign_in_at: now,
      app_metadata: user.app_metadata,
      user_metadata: user.user_metadata ?? {},
      identities: [],
      created_at: now,
      updated_at: now,
      is_anonymous: false,
      ...(user.banned_until ? { banned_until: user.banned_until } : {}),
      ...(user.deleted_at ? { deleted_at: user.deleted_at } : {}),
    }
  }
}
