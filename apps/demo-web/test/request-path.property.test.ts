import fc from 'fast-check'
import { encode } from 'next-auth/jwt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN_ACTIONS } from 'distributed-validation-cache'
import { DEMO_USERS } from 'distributed-validation-cache/setup'
import { sealVerdict } from '../../../packages/distributed-validation-cache/src/next/verdict-header.js'
import {
  postgresAvailable,
  redisAvailable,
} from '../../../packages/distributed-validation-cache/test/support/services.js'
import { SECRETS, startAppFleet } from './app-fleet.js'
import { badCallbackUrl, parsedCookies, signIn, type AppInstance } from './app-instance.js'

const servicesUp = (await redisAvailable()) && (await postgresAvailable())
const PLAIN = 'next-auth.session-token' // the name next-auth reads here: NEXTAUTH_URL is http
const SECURE = `__Secure-${PLAIN}`
const BAD = ['banned', 'deleted', 'revoked'] as const
type User = 'active' | (typeof BAD)[number]
type Who = User | 'missing' | 'invalid' | 'noise'
type Part = { name?: string; value: string; who: Who }
type Sent = { method: string; path: string; headers: Record<string, string>; body?: string }
type Input = { kind: 'page' | 'webhook' | 'admin'; parts: Part[]; sent: Sent }
const RUNS = 3_000
const demo = (note: string) => DEMO_USERS.find((u) => u.note === note)!
const [alice, carol, dave] = [demo('admin'), demo('banned for 24 h'), demo('soft-deleted')]
const OBSERVED = ['/api/observability', '/api/metrics'] // the fleet report may name users to its token holder
const [SECRET, OBSERVER] = [SECRETS.nextAuth, `Bearer ${SECRETS.observability}`]
// Per GET path; 503 is in no set: Redis and Postgres are up, so "unavailable" would be a false refusal.
const EXPECTED: Record<string, number[]> = {
  // /api/auth/session: 400 for a callbackUrl (query or cookie) that is not http(s), where next-auth alone answers 500.
  '/api/me': [200, 401],
  '/': [200, 307],
  '/admin': [307],
  '/observability': [307],
  '/api/auth/session': [200, 400],
  '/api/observability': [200, 401],
  '/api/metrics': [200, 401],
  '/api/health': [200, 401],
}

/**
 * Issue 9: random and adversarial cookies, verdict and bearer headers, webhooks and admin calls against one
 * `next start` with a banned, a deleted, a revoked and an active user. Whatever is sent: no 5xx, a status from
 * a known set, a JSON `error` from the app's APIs, never a 200 that lets a refused user in, nothing changed in
 * the store. Generated requests never carry alice's (the admin's) cookie: the admin API must refuse them all,
 * and a real admin session could unban the banned user behind the invariant's back.
 */
describe.skipIf(!servicesUp)('demo-web: the request path under random and adversarial input', () => {
  let fleet: Awaited<ReturnType<typeof startAppFleet>>
  let app: AppInstance
  const ids = { banned: carol.id, deleted: dave.id } as Record<User, string>
  const email = { banned: carol.email, deleted: dave.email } as Record<User, string>
  const tokens: Part[] = []
  const sealed: string[] = []
  let before: unknown
  const tokenOf = (who: Who) => tokens.find((t) => t.who === who)!.value
  const storeState = () => fleet.db.sql`select * from auth.users order by id` // bans, deletions, roles, revocations
  const me = (who: Who) => send({ method: 'GET', path: '/api/me', headers: { cookie: `${PLAIN}=${tokenOf(who)}` } })

  beforeAll(async () => {
    fleet = await startAppFleet(1, ['prop-active', 'prop-revoked'])
    app = fleet.apps[0]!
    for (const who of ['active', 'revoked'] as const) {
      const user = fleet.users.get(`prop-${who}`)!
      ;[ids[who], email[who]] = [user.id, user.email]
      tokens.push({ who, value: (await signIn(app.url, user.email, user.password))!.split('=')[1]! }) // next-auth's own
    }
    const revokedBefore = Date.now() - 60_000
    const admin = (await signIn(app.url, alice.email, alice.password))!
    const headers = { cookie: admin, 'content-type': 'application/json' }
    const revoke = await fetch(`${app.url}/api/admin/users/${ids.revoked}/revoke`, { method: 'POST', headers })
    expect(revoke.status).toBe(200)
    const add = async (who: Who, sub: string, claims: object, secret = SECRET, maxAge?: number) => {
      const mail = email[(Object.keys(ids) as User[]).find((w) => ids[w] === sub)!] ?? 'nobody@example.com'
      tokens.push({ who, value: await encode({ token: { sub, email: mail, ...claims }, secret, maxAge }) })
    }
    const now = Date.now()
    await add('active', ids.active, { dvc_signed_in_at: now })
    await add('active', ids.active, { dvc_signed_in_at: now, role: 'admin' }) // a role claim: the store's role counts
    for (const who of BAD) {
      // A refused user's old token: signed in before the revocation (a later one would be a new sign-in).
      await add(who, ids[who], { dvc_signed_in_at: revokedBefore, role: 'admin' })
      await add(who, ids[who], {}) // no sign-in time: a revocation covers it
      await add(who, ids[who], { dvc_signed_in_at: String(now + 3_600_000) })
    }
    for (const who of ['banned', 'deleted'] as const) await add(who, ids[who], { dvc_signed_in_at: now + 3_600_000 })
    const good = tokenOf('active')
    const garbled = good.replace(/.(?=.{40}$)/, (c) => (c === 'A' ? 'B' : 'A'))
    for (const value of [good.slice(0, good.length / 2), `${good}x`, garbled]) tokens.push({ who: 'invalid', value })
    for (const sub of [ids.active, alice.id]) await add('invalid', sub, { dvc_signed_in_at: now }, 'not-the-secret')
    await add('invalid', ids.active, { dvc_signed_in_at: now }, SECRET, -60) // expired
    for (const sub of [crypto.randomUUID(), 'not-a-uuid']) await add('missing', sub, { dvc_signed_in_at: now })
    // Admin verdicts sealed with the real key to our users' tokens: the proxy must overwrite every one.
    const ok = { valid: true, verdict: 'active', tier: 'l1', reason: '', checkedAt: now, role: 'admin' } as const
    for (const t of tokens) if (t.who in ids) sealed.push(await sealVerdict(SECRET, ok, ids[t.who as User], t.value))
    sealed.push(await sealVerdict('not-the-secret', ok, ids.banned, tokenOf('banned')))
    before = await storeState()
  })
  afterAll(() => fleet?.stop())

  const pick = fc.constantFrom
  const chars = pick(...'aZ09-_.~%=,"\\ !#$&\'()*+/:<>?@[]^`{|};é'.split(''))
  const noise = (arb: fc.Arbitrary<string>) => arb.map((value): Part => ({ value, who: 'noise' }))
  const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined })
  type Cookies = { header: string; parts: Part[] }
  const toInput = (kind: Input['kind'], cookies: Cookies, sent: Omit<Sent, 'headers'>, headers: object) => {
    const set = Object.entries({ ...headers, cookie: cookies.header }).filter(([, v]) => v) as [string, string][]
    return { kind, parts: cookies.parts, sent: { ...sent, headers: Object.fromEntries(set) } } as Input
  }

  /** Cookie headers: our session tokens under any name, order, chunking and encoding, among junk cookies. */
  function cookieHeader() {
    const token = pick(...tokens)
    const value = fc.oneof(
      { weight: 8, arbitrary: token },
      token.map((t) => ({ ...t, value: [...t.value].map((c) => `%${c.charCodeAt(0).toString(16)}`).join('') })),
      noise(fc.string({ unit: chars, maxLength: 60 })),
      noise(pick('', '%', '%E0%A4%A', 'null', '""', 'deleted', 'true')),
      noise(fc.tuple(fc.integer({ min: 1e3, max: 4e3 }), pick('A', '%41', '.', 'é')).map(([n, c]) => c.repeat(n))),
    )
    const name = pick(PLAIN, SECURE)
    const whole = fc.tuple(name, value).map(([name, t]) => [{ ...t, name }])
    const suffixes = pick(['.0', '.1'], ['.1', '.0'], ['.0', '.x'], ['.1', '.2'])
    const chunked = fc.tuple(name, token, fc.nat(), suffixes).chain(([name, t, at, [a, b]]) =>
      fc.subarray(
        [
          { name: name + a, value: t.value.slice(0, at % t.value.length), who: t.who },
          { name: name + b, value: t.value.slice(at % t.value.length), who: t.who },
        ],
        { minLength: 1 },
      ),
    )
    const junk = pick('theme', 'next-auth.csrf-token', 'next-auth.callback-url', 'next-auth.session', `${PLAIN}s`)
    const other = fc
      .tuple(junk, fc.string({ unit: chars, maxLength: 40 }))
      .map(([name, value]) => [{ name, value, who: 'noise' as Who }])
    const parts = fc.array(fc.oneof({ weight: 3, arbitrary: whole }, chunked, other), { maxLength: 5 })
    return fc
      .tuple(
        parts.map((p) => p.flat()),
        pick('; ', ';', ';  '),
      )
      .map(([list, sep]): Cookies => {
        while (list.reduce((n, p) => n + p.name!.length + p.value.length + 3, 0) > 12_000) list = list.slice(0, -1)
        return { header: list.map((p) => `${p.name}=${p.value}`).join(sep), parts: list }
      })
  }

  // getToken() reads a session from `Authorization: Bearer` when no cookie holds one: our tokens go there too.
  const bearer = () =>
    fc.oneof(
      pick(
        OBSERVER,
        `Bearer ${SECRETS.webhook}`,
        `Bearer ${SECRETS.nextAuth}`,
        'Bearer wrong',
        'Bearer',
        'Bearer %',
        `bearer ${SECRETS.observability}`,
        `${OBSERVER}x`,
        'Basic YWxpY2U6YWxpY2U=',
      ),
      fc
        .tuple(pick('Bearer ', 'Bearer  ', 'bearer '), pick(...tokens), fc.boolean())
        .map(([scheme, t, pct]) => scheme + (pct ? encodeURIComponent(t.value).replace(/\./g, '%2E') : t.value)),
    )

  const pageRequest = () =>
    fc
      .record({
        path: pick(...Object.keys(EXPECTED)),
        query: pick(
          '',
          '',
          '',
          '?x=1',
          '?callbackUrl=%2Fadmin',
          '?callbackUrl=a',
          '?callbackUrl=javascript%3Aalert(1)',
        ),
        method: pick('GET', 'GET', 'GET', 'GET', 'GET', 'GET', 'HEAD', 'POST', 'DELETE'),
        cookies: cookieHeader(),
        headers: fc.record({
          'x-dvc-verdict': maybe(
            fc.oneof(
              pick('active', '', 'null', '.', ...sealed),
              fc.string({ unit: chars, maxLength: 80 }),
              fc
                .tuple(fc.base64String({ maxLength: 80 }), fc.base64String({ maxLength: 44 }))
                .map(([a, b]) => `${a}.${b}`),
            ),
          ),
          authorization: maybe(bearer()),
          'x-forwarded-proto': maybe(pick('https', 'http', 'HTTPS', 'ftp', 'https, http')),
        }),
      })
      .map((r) => toInput('page', r.cookies, { method: r.method, path: r.path + r.query }, r.headers))

  function webhookRequest() {
    const ourIds = [...Object.values(ids), alice.id]
    const id = fc.oneof(pick(...ourIds), fc.uuid(), fc.string({ maxLength: 40 }), pick(null, 42, {}, 'x'.repeat(5e3)))
    const record = fc.oneof(fc.constant(null), fc.record({ id }, { requiredKeys: [] }), fc.jsonValue({ maxDepth: 2 }))
    const payload = fc
      .record(
        {
          type: pick('UPDATE', 'DELETE', 'INSERT', 'update', 7),
          table: pick('users', 'users', 'sessions'),
          schema: pick('auth', 'auth', 'public'),
          record,
          old_record: record,
        },
        { requiredKeys: [] },
      )
      .map((p) => JSON.stringify(p))
    // Well-formed ones naming our users: they must only ever refresh, never lift a ban.
    const users = { table: 'users', schema: 'auth' }
    const wellFormed = fc
      .tuple(pick('UPDATE', 'DELETE'), pick(...ourIds), fc.boolean())
      .map(([type, id, old]) => JSON.stringify({ type, ...users, record: old ? null : { id }, old_record: { id } }))
    const huge = fc
      .tuple(pick(...ourIds), fc.integer({ min: 60_000, max: 70_000 })) // around the 64 KB limit
      .map(([id, n]) => JSON.stringify({ type: 'UPDATE', ...users, record: { id, pad: 'x'.repeat(n) } }))
    const nested = fc.integer({ min: 1, max: 5e3 }).map((n) => '['.repeat(n) + ']'.repeat(n))
    const body = fc.oneof(
      { weight: 4, arbitrary: payload },
      { weight: 3, arbitrary: wellFormed },
      huge,
      nested,
      fc.json({ maxDepth: 3 }),
      fc.string({ unit: 'grapheme', maxLength: 100 }),
    )
    const headers = fc.record({
      authorization: fc.oneof({ weight: 4, arbitrary: pick(`Bearer ${SECRETS.webhook}`) }, bearer(), pick(undefined)),
      'content-type': maybe(pick('application/json', 'text/plain', 'application/x-www-form-urlencoded')),
    })
    return fc
      .tuple(body, cookieHeader(), headers)
      .map(([body, cookies, h]) =>
        toInput('webhook', cookies, { method: 'POST', path: '/api/validation/webhook', body }, h),
      )
  }

  function adminRequest() {
    const garbage = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 40 })
      .map(encodeURIComponent)
      .filter((s) => !/^\.{1,2}$/.test(s)) // a dot segment would be another path
    const type = pick('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'text/plain')
    return fc
      .record({
        id: fc.oneof(pick(...Object.values(ids), alice.id), fc.uuid(), garbage),
        action: fc.oneof({ weight: 3, arbitrary: pick(...ADMIN_ACTIONS) }, pick('BAN', 'list'), garbage),
        method: pick('POST', 'POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE'),
        body: maybe(fc.oneof(pick('{"duration":"1h"}', '{"role":"admin"}', '{"role":null}', 'duration=1h'), fc.json())),
        cookies: cookieHeader(),
        headers: fc.record({
          'content-type': maybe(type),
          origin: maybe(pick(app.url, 'https://evil.example', 'null', `${app.url}/`)),
          'sec-fetch-site': maybe(pick('same-origin', 'none', 'cross-site', 'same-site', 'garbage')),
        }),
      })
      .map(({ id, action, method, body, cookies, headers }) =>
        toInput(
          'admin',
          cookies,
          {
            method,
            path: `/api/admin/users/${id}/${action}`,
            body: method === 'GET' ? undefined : body,
          },
          headers,
        ),
      )
  }

  const [statuses, seen]: [Record<string, number>, Record<string, number>] = [{}, {}]
  const tally = (counts: Record<string, number>, key: string | number) => (counts[key] = (counts[key] ?? 0) + 1)

  /** One request; `about` is the exchange and the server's output meanwhile, for a failure's message. */
  async function send({ method, path, headers, body }: Sent) {
    const logged = app.output.length
    const response = await fetch(`${app.url}${path}`, { method, headers, body, redirect: 'manual' })
    const text = await response.text()
    tally(statuses, response.status)
    // biome-ignore lint/suspicious/noExplicitAny: any JSON body the app answered
    let json: Record<string, any> | undefined
    try {
      json = JSON.parse(text)
    } catch {
      /* not JSON */
    }
    const about =
      `${method} ${path} ${JSON.stringify(headers).slice(0, 3_000)} ${body?.slice(0, 300) ?? ''}\n` +
      `→ ${response.status} ${text.slice(0, 500)}\nserver output: ${app.output.slice(logged).join('').slice(0, 3_000)}`
    return { status: response.status, location: response.headers.get('location'), text, json, about }
  }

  async function check(input: Input) {
    const r = await send(input.sent)
    tally(seen, input.kind)
    const { method, headers } = input.sent
    const path = input.sent.path.replace(/\?.*/, '')
    expect(r.status, r.about).toBeLessThan(500)
    // The app's APIs say why they refuse. Not next-auth's routes (a non-GET without its CSRF token is a 400 saying
    // "[object Object]"), nor Next's empty 405, nor a HEAD.
    const says = /^\/api\/(?!auth\/)/.test(path) && method !== 'HEAD' && r.status >= 400 && r.status !== 405
    if (says) expect(r.json?.error, r.about).toEqual(expect.any(String))
    const named = BAD.find((who) => r.text.includes(ids[who]) || r.text.includes(email[who]))
    if (!OBSERVED.includes(path)) expect(named, r.about).toBeUndefined()
    if (input.kind === 'admin') return void expect([401, 403, 405], r.about).toContain(r.status) // no admin: no 200
    if (input.kind === 'webhook') {
      const right = headers.authorization === `Bearer ${SECRETS.webhook}`
      expect(right ? [200, 400, 413] : [401], r.about).toContain(r.status)
      if (r.status === 200) expect(r.json?.refreshed ?? r.json?.ignored, r.about).toBe(true)
      // A refresh re-reads the store, which still refuses them: no webhook lets a refused user back in.
      for (const who of BAD.filter((w) => r.json?.refreshed && input.sent.body!.includes(ids[w]))) {
        const after = await me(who)
        expect(after.json, after.about).toEqual({ error: 'session_invalid', reason: who })
        tally(seen, 'refresh re-checked')
      }
      return
    }
    // HEAD on next-auth's route is its 400; other methods: a route's 405, the proxy's refusals, next-auth's 400.
    const allowed = { GET: EXPECTED[path], HEAD: [...EXPECTED[path]!, 400] }[method] ?? [200, 307, 400, 401, 405]
    expect(allowed, r.about).toContain(r.status)
    if (r.status === 307) expect(r.location, r.about).toMatch(/\/(login)?$/)
    // Active material getToken() could read: a next-auth.session-token* cookie, or a bearer header.
    const activeCookie = input.parts.some((p) => p.who === 'active' && p.name!.startsWith(PLAIN))
    const auth = headers.authorization?.replace(/%2E/g, '.') ?? '' // how bearer() encodes a token
    const active = activeCookie || tokens.some((t) => t.who === 'active' && auth.includes(t.value))
    const session = path === '/api/auth/session' // next-auth's own route: it reads no bearer header
    // A callbackUrl that is not http(s) (query or cookie) is our 400 before next-auth runs, which would 500.
    if (session && method === 'GET' && badCallbackUrl(input.sent))
      return void expect(r.json?.error, r.about).toBe('bad_request')
    if (path === '/api/me' && r.status === 200 && method !== 'HEAD') expect(r.json?.user?.id, r.about).toBe(ids.active)
    if (session && r.json?.user) expect(r.json.user.id, r.about).toBe(ids.active)
    if ((path === '/' || path === '/api/me') && !active) expect(r.status, r.about).not.toBe(200)
    if (session && !activeCookie) expect(r.json?.user, r.about).toBeUndefined()
    if (OBSERVED.includes(path) && r.status === 200) expect(headers.authorization, r.about).toBe(OBSERVER)
    const oracle = method === 'GET' && exactly(headers.cookie, session ? '' : headers.authorization)
    if (!oracle || !['/api/me', '/', '/api/auth/session'].includes(path)) return
    // One cookie next-auth reads (or none, and a bearer): whose session it is, so the answer, is known exactly.
    tally(seen, 'exact')
    if (path === '/') expect(r.status, r.about).toBe(oracle === 'active' ? 200 : 307)
    if (session) expect(r.json?.user?.id, r.about).toBe(oracle === 'active' ? ids.active : undefined)
    if (path !== '/api/me') return
    const refusal = oracle === 'invalid' ? { error: 'unauthenticated' } : { error: 'session_invalid', reason: oracle }
    expect(oracle === 'active' ? r.json?.user?.id : r.json, r.about).toEqual(oracle === 'active' ? ids.active : refusal)
  }

  /** Whose session getToken() reads, or null when several next-auth.session-token* cookies make it hard to say. */
  function exactly(header: string | undefined, authorization: string | undefined): Who | null {
    const cookies = parsedCookies(header)
    const names = [...cookies.keys()].filter((n) => n.startsWith(PLAIN))
    if (names.length > 1 || (names.length === 1 && names[0] !== PLAIN)) return null
    const whose = (value: string) => tokens.find((t) => t.value === value)?.who ?? 'invalid'
    if (cookies.get(PLAIN)) return whose(cookies.get(PLAIN)!)
    const [scheme, raw] = (authorization ?? '').split(' ') // no cookie value: next-auth's bearer fallback
    try {
      return scheme === 'Bearer' ? whose(decodeURIComponent(raw!)) : 'invalid'
    } catch {
      return 'invalid'
    }
  }

  it(`answers ${RUNS} random requests with a clear status, never a 5xx nor a refused user's 200`, async () => {
    const started = Date.now()
    const request = fc.oneof({ weight: 6, arbitrary: pageRequest() }, webhookRequest(), adminRequest())
    try {
      // Sequential, one request at a time: two cores serve the app, Redis and Postgres. The limit bounds shrinking.
      await fc.assert(fc.asyncProperty(request, check), { numRuns: RUNS, plugins: [fc.interruptAfterTimeLimit(140e3)] })
    } finally {
      const took = ((Date.now() - started) / 1000).toFixed(1)
      const tried = Object.values(statuses).reduce((a, b) => a + b, 0)
      console.log(
        `property test: ${tried} requests tried in ${took} s, statuses ${JSON.stringify(statuses)}, ` +
          `checks ${JSON.stringify(seen)}`,
      )
    }
  }, 180_000)

  it('changed nothing: refused users still refused, the active user still in, the store as before', async () => {
    expect(await storeState()).toEqual(before)
    expect((await me('active')).json).toMatchObject({ user: { id: ids.active }, verdict: 'active' })
    for (const who of BAD) expect((await me(who)).json).toEqual({ error: 'session_invalid', reason: who })
    for (const user of [carol, dave]) expect(await signIn(app.url, user.email, user.password)).toBeNull()
  })
})
