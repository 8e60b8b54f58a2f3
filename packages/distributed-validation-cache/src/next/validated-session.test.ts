import { randomUUID } from 'node:crypto'
import { encode } from 'next-auth/jwt'
import { NextRequest } from 'next/server'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createValidationCache } from '../cache.js'
import { SIGNED_IN_AT } from '../next-auth/session-check.js'
import { memoryStore } from '../stores/memory.js'
import { forwardedVerdict, isNextAuthJwe, readSessionToken, validatedSession } from './validated-session.js'
import { sealVerdict, VERDICT_HEADER } from './verdict-header.js'
import { mapSource } from '../../test/support/map-source.js'

const SECRET = 'validated-session-secret-0123'
const COOKIE = 'next-auth.session-token'

function setup() {
  const source = mapSource()
  const users = source.users
  const cache = createValidationCache({ store: memoryStore(), source })
  const id = randomUUID()
  users.set(id, { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null, role: 'admin' })
  return { cache, users, id }
}

const token = (sub: string) => encode({ token: { sub, [SIGNED_IN_AT]: Date.now() - 1_000 }, secret: SECRET })
const requestWith = (cookie: string, headers: Record<string, string> = {}) =>
  new NextRequest('http://app.test/api/admin/x', { headers: { cookie, ...headers } })

describe('validatedSession', () => {
  afterEach(() => void vi.unstubAllEnvs())

  it('a fresh seal for this token is not counted again, still sees a ban heard since; fresh validates anew', async () => {
    const { cache, users, id } = setup()
    const raw = await token(id)
    const seal = await sealVerdict(SECRET, await cache.validate(id, { issuedAt: Date.now() }), id, raw)
    users.set(id, { ...users.get(id)!, bannedUntil: Date.now() + 60_000 }) // banned while the body was on its way
    await cache.refresh(id)
    const request = requestWith(`${COOKIE}=${raw}`, { [VERDICT_HEADER]: seal })
    // Sealed: not counted again, but checked again — the ban heard since the proxy's check ends it.
    const before = cache.stats().validations.total
    const sealed = await validatedSession(request, cache, { secret: SECRET })
    expect(sealed).toMatchObject({ forwarded: true, result: { verdict: 'banned', valid: false } })
    expect(cache.stats().validations.total).toBe(before)
    const fresh = await validatedSession(request, cache, { secret: SECRET, fresh: true })
    expect(fresh).toMatchObject({ forwarded: false, result: { verdict: 'banned', valid: false } })
  })

  it('says plainly that an empty secret is a deployment error, instead of failing inside Web Crypto', async () => {
    const { cache, id } = setup()
    const request = requestWith(`${COOKIE}=${await token(id)}`, {})
    for (const secret of ['', undefined as unknown as string])
      await expect(validatedSession(request, cache, { secret })).rejects.toThrow(
        /secret is empty: pass NEXTAUTH_SECRET/,
      )
  })

  it('does not believe a seal older than the 1 s lockout bound (a replay, a slow route)', async () => {
    const { cache, users, id } = setup()
    const raw = await token(id)
    const old = await sealVerdict(
      SECRET,
      await cache.validate(id, { issuedAt: Date.now() }),
      id,
      raw,
      Date.now() - 1_500,
    )
    users.set(id, { ...users.get(id)!, role: null })
    await cache.refresh(id)
    const session = await validatedSession(requestWith(`${COOKIE}=${raw}`, { [VERDICT_HEADER]: old }), cache, {
      secret: SECRET,
    })
    expect(session).toMatchObject({ forwarded: false, result: { valid: true, role: null } })
  })

  it("forwardedVerdict: the proxy's seal for this cookie and subject only, read without validating", async () => {
    const { cache, id } = setup()
    const raw = await token(id)
    const seal = await sealVerdict(SECRET, await cache.validate(id, { issuedAt: Date.now() }), id, raw)
    const before = cache.stats().validations.total
    const sealedFor = (cookie: string, header = seal) => ({
      headers: new Headers({ cookie, [VERDICT_HEADER]: header }),
    })
    expect(await forwardedVerdict(sealedFor(`${COOKIE}=${raw}`), { secret: SECRET }, id)).toMatchObject({
      valid: true,
      verdict: 'active',
    })
    expect(cache.stats().validations.total).toBe(before) // no second validation
    expect(await forwardedVerdict(sealedFor(`${COOKIE}=${raw}`), { secret: SECRET }, randomUUID())).toBeNull()
    expect(await forwardedVerdict(sealedFor(`${COOKIE}=${await token(id)}`), { secret: SECRET }, id)).toBeNull() // another cookie
    expect(await forwardedVerdict(sealedFor(`__Secure-${COOKIE}=${raw}`), { secret: SECRET }, id)).toBeNull() // not the one read
    expect(await forwardedVerdict(sealedFor(`${COOKIE}=${raw}`, 'forged.sig'), { secret: SECRET }, id)).toBeNull()
    expect(
      await forwardedVerdict({ headers: new Headers({ cookie: `${COOKIE}=${raw}` }) }, { secret: SECRET }, id),
    ).toBeNull()
  })

  it('reads no session from a JWE next-auth never writes (PBES2: costly to decrypt), before decoding it', async () => {
    const header = Buffer.from(
      JSON.stringify({ alg: 'PBES2-HS512+A256KW', enc: 'A256GCM', p2c: 10_000, p2s: 'c2FsdA' }),
    ).toString('base64url')
    expect(isNextAuthJwe(`${header}.a.b.c.d`)).toBe(false) // never handed to decode()
    expect(await readSessionToken(requestWith(`${COOKIE}=${header}.a.b.c.d`), { secret: SECRET })).toBeNull()
    const { id } = setup()
    expect(isNextAuthJwe(await token(id))).toBe(true)
    for (const junk of ['', 'abc', '.', 'e30.x', `${'A'.repeat(300)}.x`]) expect(isNextAuthJwe(junk)).toBe(false)
    expect((await readSessionToken(requestWith(`${COOKIE}=${await token(id)}`), { secret: SECRET }))?.token.sub).toBe(
      id,
    )
  })

  it.each(['HTTPS://app.test', 'Https://app.test', 'app.test'])(
    'reads the __Secure- cookie for NEXTAUTH_URL=%s, as next-auth does',
    async (url) => {
      vi.stubEnv('NEXTAUTH_URL', url)
      const { id } = setup()
      const session = await readSessionToken(requestWith(`__Secure-${COOKIE}=${await token(id)}`), { secret: SECRET })
      expect(session?.token.sub).toBe(id)
    },
  )
})
