import { randomUUID } from 'node:crypto'
import type { AuthOptions } from 'next-auth'
import { encode, type JWT } from 'next-auth/jwt'
import { describe, expect, it, vi } from 'vitest'
import { createValidationCache } from '../cache.js'
import { sealVerdict, VERDICT_HEADER } from '../next/verdict-header.js'
import { memoryStore } from '../stores/memory.js'
import { SessionInvalidError, SIGNED_IN_AT } from './session-check.js'
import { withValidation } from './with-validation.js'
import { mapSource } from '../../test/support/map-source.js'

// The request getServerSession runs in: what next/headers gives inside an App Router request.
const request = { headers: new Headers() }
vi.mock('next/headers', () => ({ headers: async () => request.headers }))

const SECRET = 'proxy-verdict-test-secret-0123'

describe('the jwt callback behind the proxy (getServerSession in a route)', () => {
  it("does not count the proxy's request twice, yet refuses a ban heard after the proxy's check", async () => {
    const source = mapSource()
    const users = source.users
    const cache = createValidationCache({ store: memoryStore(), source })
    const id = randomUUID()
    users.set(id, { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null })
    const token: JWT = { sub: id, [SIGNED_IN_AT]: Date.now() - 1_000 }
    const raw = await encode({ token, secret: SECRET })
    const options = withValidation({ providers: [], secret: SECRET } satisfies AuthOptions, cache)
    const jwt = () => options.callbacks!.jwt!({ token: { ...token }, account: null } as never)

    const proxied = await cache.validate(id, { issuedAt: token[SIGNED_IN_AT] as number }) // the proxy's check
    request.headers = new Headers({
      cookie: `next-auth.session-token=${raw}`,
      [VERDICT_HEADER]: await sealVerdict(SECRET, proxied, id, raw),
    })
    await jwt()
    expect(cache.stats().validations.total).toBe(1) // the proxy's only

    users.set(id, { ...users.get(id)!, bannedUntil: Date.now() + 60_000 })
    await cache.refresh(id) // the webhook, while the seal is still young
    await expect(jwt()).rejects.toThrow(SessionInvalidError)

    request.headers = new Headers({ cookie: `next-auth.session-token=${raw}` }) // no seal: counted
    await expect(jwt()).rejects.toThrow(SessionInvalidError)
    expect(cache.stats().validations.total).toBe(2)
  })
})
