import { describe, expect, it } from 'vitest'
import { decodeMessage, encodeMessage, type FleetMessage } from './invalidation.js'
import { sign } from '../crypto/signing.js'

const SECRET = 'bus-secret-0123456789'
const USER = '3f2504e0-4f89-11d3-9a0c-0305e82c3301'
const invalidate: FleetMessage = {
  kind: 'invalidate',
  userId: USER,
  origin: 'inst-a',
  order: 1_700_000_000_123,
  logId: '1700000000123-0',
}

describe('encodeMessage / decodeMessage', () => {
  it('round-trips an invalidation: user, origin, order', async () => {
    expect(await decodeMessage(SECRET, await encodeMessage(SECRET, invalidate))).toEqual(invalidate)
  })

  it('rejects a message signed with another secret', async () => {
    expect(await decodeMessage(SECRET, await encodeMessage('other-secret-0123456', invalidate))).toBeUndefined()
  })

  it('rejects a forged kind, user id, origin or order on a genuine signature', async () => {
    const wire = JSON.parse(await encodeMessage(SECRET, invalidate)) as unknown[]
    const forged = (index: number, value: unknown) => JSON.stringify(wire.map((v, i) => (i === index ? value : v)))
    expect(await decodeMessage(SECRET, forged(0, 'h'))).toBeUndefined()
    expect(await decodeMessage(SECRET, forged(1, 'someone-else'))).toBeUndefined()
    expect(await decodeMessage(SECRET, forged(2, 'inst-b'))).toBeUndefined()
    expect(await decodeMessage(SECRET, forged(3, invalidate.order + 1))).toBeUndefined() // an order moved forward
    expect(await decodeMessage(SECRET, forged(4, '1700000000999-0'))).toBeUndefined() // another log entry's id
  })

  it('rejects a message signed by someone without the secret', async () => {
    const fields = ['i', USER, 'inst-a', 1, '']
    expect(
      await decodeMessage(SECRET, JSON.stringify([...fields, await sign('guessed-secret', JSON.stringify(fields))])),
    ).toBeUndefined()
  })

  it.each([
    '',
    'garbage',
    '{',
    'null',
    '42',
    JSON.stringify({ userId: USER, origin: 'a', signature: 'x' }),
    JSON.stringify([USER, 'inst-a', 'sig']),
    JSON.stringify(['i', USER, 'inst-a', 1, '']),
    JSON.stringify(['i', USER, 'inst-a', 1, '', 'sig', 'extra']),
    JSON.stringify(['x', USER, 'inst-a', 1, '', 'sig']),
    JSON.stringify(['i', 1, 'inst-a', 1, '', 'sig']),
    JSON.stringify(['i', USER, null, 1, '', 'sig']),
    JSON.stringify(['i', USER, 'inst-a', '1', '', 'sig']),
    JSON.stringify(['i', USER, 'inst-a', null, '', 'sig']),
    JSON.stringify(['i', USER, 'inst-a', 1, 7, 'sig']),
    JSON.stringify(['i', USER, 'inst-a', 1, '', null]),
    JSON.stringify(['i', USER, 'inst-a', 1, '', 'é'.repeat(43)]),
    JSON.stringify(['h', USER, 'inst-a', 0, '', 'sig']),
  ])('returns undefined for %j without throwing', async (message) => {
    expect(await decodeMessage(SECRET, message)).toBeUndefined()
  })
})
