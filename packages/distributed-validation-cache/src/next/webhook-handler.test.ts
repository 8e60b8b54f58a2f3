import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { createValidationCache } from '../cache.js'
import { memoryStore } from '../stores/memory.js'
import { chaosStore } from '../testing/chaos-store.js'
import type { UserState } from '../user-state.js'
import { bearerMatches } from './bearer.js'
import { webhookHandler } from './webhook-handler.js'

const SECRET = 'webhook-secret-0123456789'

/** One engine on the in-process store over a user table the test edits, as a ban in the dashboard would. */
function setup() {
  const users = new Map<string, UserState>()
  let queries = 0
  const source = {
    name: 'table',
    fetchUser: async (id: string) => (queries++, users.get(id) ?? null),
    setSessionsRevokedAt: async () => undefined,
  }
  const cache = createValidationCache({ source, secret: 'engine-secret-0123456789' })
  const post = webhookHandler({ cache, secret: SECRET })
  const send = (body: unknown, headers: Record<string, string> = { authorization: `Bearer ${SECRET}` }) =>
    post(
      new Request('http://app/api/validation/webhook', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    )
  const add = () => {
    const id = randomUUID()
    users.set(id, { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null })
    return id
  }
  return { cache, users, send, add, queries: () => queries }
}

const update = (id: string) => ({ type: 'UPDATE', table: 'users', schema: 'auth', record: { id }, old_record: { id } })

describe('webhookHandler', () => {
  it('an UPDATE of auth.users re-reads the user: a ban made behind the cache refuses at once', async () => {
    const { cache, users, send, add } = setup()
    const id = add()
    expect((await cache.validate(id)).verdict).toBe('active') // in L1 now
    users.set(id, { ...users.get(id)!, bannedUntil: Date.now() + 3_600_000 })
    const response = await send(update(id))
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ refreshed: true, cache: 'updated', broadcast: 'sent' })
    expect(await cache.validate(id)).toMatchObject({ verdict: 'banned', tier: 'l1' })
  })

  it('a hard DELETE carries only old_record: that id is re-read (and now missing)', async () => {
    const { cache, users, send, add } = setup()
    const id = add()
    await cache.validate(id)
    users.delete(id)
    const response = await send({ type: 'DELETE', table: 'users', schema: 'auth', record: null, old_record: { id } })
    expect(response.status).toBe(200)
    expect((await cache.validate(id)).verdict).toBe('missing')
  })

  it.each([
    ['no header', {}],
    ['another secret', { authorization: 'Bearer not-the-secret' }],
    ['the secret without the scheme', { authorization: SECRET }],
  ])('refuses %s with 401, and reads no user', async (_, headers) => {
    const { send, add, queries } = setup()
    const response = await send(update(add()), headers)
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({ error: 'unauthorized' })
    expect(queries()).toBe(0)
  })

  it('is disabled (503, saying which variable) while no secret is configured', async () => {
    const post = webhookHandler({ cache: setup().cache, secret: undefined })
    const response = await post(new Request('http://app/', { method: 'POST', body: '{}' }))
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({
      error: 'webhook_disabled',
      reason: expect.stringContaining('REVALIDATION_WEBHOOK_SECRET'),
    })
  })

  it.each([
    ['a body that is not JSON', '{"type":', 400, 'body is not JSON'],
    ['JSON that is not a webhook payload', { hello: 'world' }, 400, 'not a Supabase Database Webhook payload'],
    [
      'a payload without any id',
      { type: 'UPDATE', table: 'users', schema: 'auth', record: null, old_record: null },
      400,
      'record.id or old_record.id is required',
    ],
    ['an id that is not a UUID', update('not-a-uuid'), 400, 'UUID'],
  ])('answers %s with %i and a reason, and reads no user', async (_, body, status, reason) => {
    const { send, queries } = setup()
    const response = await send(body)
    expect(response.status).toBe(status)
    expect(await response.json()).toMatchObject({ error: 'bad_request', reason: expect.stringContaining(reason) })
    expect(queries()).toBe(0)
  })

  it('ignores other tables and INSERTs (200, so Supabase does not retry), reading no user', async () => {
    const { send, add, queries } = setup()
    for (const body of [
      { ...update(add()), table: 'profiles', schema: 'public' },
      { ...update(add()), type: 'INSERT' },
    ]) {
      const response = await send(body)
      expect(response.status).toBe(200)
      expect(await response.json()).toMatchObject({ ignored: true })
    }
    expect(queries()).toBe(0)
  })

  it('refuses a body over 64 KiB with 413, by its declared length and by what actually arrives', async () => {
    const { send, add } = setup()
    const big = JSON.stringify({ ...update(add()), padding: 'x'.repeat(70_000) })
    expect((await send(big)).status).toBe(413)
    // A stream without a declared length: counted as it arrives.
    const post = webhookHandler({ cache: setup().cache, secret: SECRET })
    const body = new ReadableStream({ start: (c) => (c.enqueue(new TextEncoder().encode(big)), c.close()) })
    const streamed = await post(
      new Request('http://app/', {
        method: 'POST',
        headers: { authorization: `Bearer ${SECRET}` },
        body,
        duplex: 'half',
      } as RequestInit),
    )
    expect(streamed.status).toBe(413)
  })
})

describe('webhookHandler while the shared store refuses writes', () => {
  it('answers 503 with retry-after, not 200: the change is only pending in this process', async () => {
    const users = new Map<string, UserState>()
    const id = randomUUID()
    users.set(id, { exists: true, deleted: false, bannedUntil: Date.now() + 60_000, sessionsRevokedAt: null })
    const store = chaosStore(memoryStore())
    store.chaos.alwaysThrow(['set', 'delete', 'publish', 'appendLog'], new Error('store down (test)'))
    const cache = createValidationCache({
      store,
      source: {
        name: 't',
        fetchUser: async (u: string) => users.get(u) ?? null,
        setSessionsRevokedAt: async () => undefined,
      },
    })
    const post = webhookHandler({ cache, secret: SECRET })
    const response = await post(
      new Request('http://app/', {
        method: 'POST',
        headers: { authorization: `Bearer ${SECRET}` },
        body: JSON.stringify(update(id)),
      }),
    )
    expect(response.status).toBe(503)
    expect(response.headers.get('retry-after')).toBe('5')
    expect(await response.json()).toMatchObject({ refreshed: false, cache: 'pending' })
    await cache.close()
  })
})

describe('bearerMatches', () => {
  it('accepts exactly "Bearer <secret>"', async () => {
    expect(await bearerMatches(`Bearer ${SECRET}`, SECRET)).toBe(true)
  })

  it.each([
    null,
    '',
    SECRET,
    `bearer ${SECRET}`,
    `Bearer ${SECRET} `,
    `Bearer ${SECRET.slice(0, -1)}`,
    `Bearer ${SECRET}x`,
    'Bearer ',
  ])('refuses %j', async (header) => {
    expect(await bearerMatches(header, SECRET)).toBe(false)
  })
})
