import { encode } from 'next-auth/jwt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  postgresAvailable,
  redisAvailable,
} from '../../../packages/distributed-validation-cache/test/support/services.js'
import { SECRETS, startAppFleet } from './app-fleet.js'
import { signIn, type AppInstance } from './app-instance.js'

const servicesUp = (await redisAvailable()) && (await postgresAvailable())

/** The admin API as scripts and browsers call it, and the users that once made it answer 500. */
describe.skipIf(!servicesUp)('demo-web: the admin API', () => {
  let fleet: Awaited<ReturnType<typeof startAppFleet>>
  let app: AppInstance
  let admin: string
  beforeAll(async () => {
    fleet = await startAppFleet(1, ['script-target', 'forever', 'promoted'])
    app = fleet.apps[0]!
    admin = (await signIn(app.url, 'alice@example.com', 'alice-demo-password'))!
  })
  afterAll(() => fleet?.stop())

  const post = (id: string, action: string, headers: Record<string, string>, body?: string) =>
    fetch(`${app.url}/api/admin/users/${id}/${action}`, {
      method: 'POST',
      headers: { cookie: admin, ...headers },
      body,
    })
  const json = { 'content-type': 'application/json' }

  it('accepts a script (curl: JSON, no Origin, no Sec-Fetch-Site) with an admin session', async () => {
    const id = fleet.users.get('script-target')!.id
    const ban = await post(id, 'ban', json, '{"duration":"1h"}')
    expect(ban.status).toBe(200)
    expect(await ban.json()).toMatchObject({
      action: 'ban',
      stored: true,
      sessionsRevoked: 'stored',
      cache: 'updated',
      broadcast: 'sent',
    })
    const unban = await post(id, 'unban', json)
    expect(unban.status).toBe(200)
    expect(await unban.json()).toMatchObject({ action: 'unban', stored: true })
  })

  it.each([
    ['a form post without provenance', { 'content-type': 'application/x-www-form-urlencoded' }, 'duration=1h'],
    ['a text/plain body without provenance', { 'content-type': 'text/plain' }, '{"duration":"1h"}'],
    ['a browser saying cross-site', { ...json, 'sec-fetch-site': 'cross-site' }, '{"duration":"1h"}'],
    [
      'a sibling subdomain (same-site, other origin)',
      { ...json, 'sec-fetch-site': 'same-site', origin: 'https://x.example' },
      '{"duration":"1h"}',
    ],
    ['another origin', { ...json, origin: 'https://evil.example' }, '{"duration":"1h"}'],
  ])('refuses %s with 403 and the reason, changing nothing', async (_, headers, body) => {
    const id = fleet.users.get('script-target')!.id
    const response = await post(id, 'ban', headers, body)
    expect(response.status).toBe(403)
    expect(await response.json()).toMatchObject({ error: 'forbidden', reason: expect.stringMatching(/^refused: /) })
    const [row] = await fleet.db.sql`select banned_until from auth.users where id = ${id}`
    expect(row!.banned_until).toBeNull()
  })

  it('accepts the app’s own page (Sec-Fetch-Site: same-origin)', async () => {
    const id = fleet.users.get('script-target')!.id
    expect((await post(id, 'revoke', { 'sec-fetch-site': 'same-origin', origin: app.url })).status).toBe(200)
  })

  /** What Supabase's Database Webhook sends after an UPDATE of auth.users. */
  const webhook = (id: string) =>
    fetch(`${app.url}/api/validation/webhook`, {
      method: 'POST',
      headers: { authorization: `Bearer ${SECRETS.webhook}`, ...json },
      body: JSON.stringify({ type: 'UPDATE', table: 'users', schema: 'auth', record: { id }, old_record: { id } }),
    })

  /** User-source lookups this instance has made, from its own Prometheus counter. */
  const sourceQueries = async () => {
    const text = await (
      await fetch(`${app.url}/api/metrics`, { headers: { authorization: `Bearer ${SECRETS.observability}` } })
    ).text()
    return [...text.matchAll(/^dvc_source_queries_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0)
  }

  it('admin pages read the role cached with the state; actions have the user store confirm it', async () => {
    const before = await sourceQueries()
    for (let i = 0; i < 10; i++)
      expect((await fetch(`${app.url}/admin`, { headers: { cookie: admin } })).status).toBe(200)
    const id = fleet.users.get('script-target')!.id
    for (let i = 0; i < 5; i++) expect((await post(id, 'revoke', json)).status).toBe(200)
    const queries = (await sourceQueries()) - before
    console.log(
      `15 admin requests cost ${queries} user-source queries (each revoke re-reads its target and confirms the role)`,
    )
    // Each revoke re-reads its target once (the fleet must learn the new state) and has the user
    // store confirm the admin's role once (a replayed L2 entry could carry one); pages cost nothing.
    expect(queries).toBeLessThanOrEqual(2 * 5 + fleet.users.size + 4)
    // The proof that pages do not ask the store for the role: a demotion the cache has not heard
    // of (SQL, no webhook) is not seen by a page until the webhook tells the fleet — then at once.
    // An action is refused at once: the role it acts on is the user store's.
    await fleet.db
      .sql`update auth.users set raw_app_meta_data = raw_app_meta_data - 'role' where email = 'alice@example.com'`
    try {
      expect((await fetch(`${app.url}/admin`, { headers: { cookie: admin } })).status).toBe(200)
      const action = await post(id, 'revoke', json)
      expect([action.status, await action.json()]).toEqual([403, { error: 'forbidden', reason: 'admin role required' }])
      expect((await webhook('00000000-0000-4000-8000-00000000a11c')).status).toBe(200)
      expect((await fetch(`${app.url}/admin`, { headers: { cookie: admin }, redirect: 'manual' })).status).toBe(307)
    } finally {
      await fleet.db
        .sql`update auth.users set raw_app_meta_data = raw_app_meta_data || '{"role":"admin"}' where email = 'alice@example.com'`
      await webhook('00000000-0000-4000-8000-00000000a11c')
    }
  })

  it('a role granted or removed through the admin API takes effect at once', async () => {
    const id = fleet.users.get('promoted')!.id
    const user = fleet.users.get('promoted')!
    const cookie = (await signIn(app.url, user.email, user.password))!
    const asUser = () =>
      fetch(`${app.url}/api/admin/users/${id}/revoke`, { method: 'POST', headers: { cookie, ...json } })
    expect((await asUser()).status).toBe(403)
    const grant = await post(id, 'role', json, '{"role":"admin"}')
    expect(await grant.json()).toMatchObject({ action: 'role', stored: true, role: 'admin', cache: 'updated' })
    expect((await fetch(`${app.url}/admin`, { headers: { cookie } })).status).toBe(200)
    expect((await post(id, 'role', json, '{"role":null}')).status).toBe(200)
    const page = await fetch(`${app.url}/admin`, { headers: { cookie }, redirect: 'manual' })
    expect(page.status).toBe(307)
    expect(page.headers.get('location')).toMatch(/\/$/)
    expect((await post(id, 'role', json, '{"role":"<script>"}')).status).toBe(400)
  })

  it("a permanent ban (banned_until = 'infinity') is refused on every request, and /admin and the admin API still work", async () => {
    const id = fleet.users.get('forever')!.id
    await fleet.db.sql`update auth.users set banned_until = 'infinity' where id = ${id}`
    expect((await webhook(id)).status).toBe(200)
    const cookie = `next-auth.session-token=${await encode({ token: { sub: id, dvc_signed_in_at: Date.now() }, secret: SECRETS.nextAuth })}`
    for (const _ of ['source', 'l1']) {
      const me = await fetch(`${app.url}/api/me`, { headers: { cookie } })
      expect(me.status).toBe(401)
      expect(await me.json()).toEqual({ error: 'session_invalid', reason: 'banned' })
    }
    const page = await fetch(`${app.url}/admin`, { headers: { cookie: admin } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('permanently')
    expect((await post(id, 'unban', json)).status).toBe(200)
    expect((await post(id, 'ban', json, '{"duration":"1h"}')).status).toBe(200)
  })
})
