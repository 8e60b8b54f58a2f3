import { describe, expect, it } from 'vitest'
import { decodeInvalidation, encodeInvalidation } from './invalidation.js'
import { sign } from './signing.js'

const SECRET = 'bus-secret-0123456789'
const USER = '3f2504e0-4f89-11d3-9a0c-0305e82c3301'

describe('encodeInvalidation / decodeInvalidation', () => {
  it('round-trips the user id and origin', () => {
    expect(decodeInvalidation(SECRET, encodeInvalidation(SECRET, USER, 'inst-a'))).toEqual({ userId: USER, origin: 'inst-a' })
  })

  it('rejects a message signed with another secret', () => {
    expect(decodeInvalidation(SECRET, encodeInvalidation('other-secret-0123456', USER, 'inst-a'))).toBeUndefined()
  })

  it('rejects a forged user id or origin on a genuine signature', () => {
    const [, , signature] = JSON.parse(encodeInvalidation(SECRET, USER, 'inst-a')) as [string, string, string]
    expect(decodeInvalidation(SECRET, JSON.stringify(['someone-else', 'inst-a', signature]))).toBeUndefined()
    expect(decodeInvalidation(SECRET, JSON.stringify([USER, 'inst-b', signature]))).toBeUndefined()
  })

  it('rejects a message signed by someone without the secret', () => {
    const forged = JSON.stringify([USER, 'inst-a', sign('guessed-secret', JSON.stringify([USER, 'inst-a']))])
    expect(decodeInvalidation(SECRET, forged)).toBeUndefined()
  })

  it.each([
    '',
    'garbage',
    '{',
    'null',
    '42',
    JSON.stringify({ userId: USER, origin: 'a', signature: 'x' }),
    JSON.stringify([USER, 'inst-a']),
    JSON.stringify([USER, 'inst-a', 'sig', 'extra']),
    JSON.stringify([1, 'inst-a', 'sig']),
    JSON.stringify([USER, null, 'sig']),
    JSON.stringify([USER, 'inst-a', null]),
    JSON.stringify([USER, 'inst-a', 'é'.repeat(43)]),
    JSON.stringify([USER, 'inst-a', '']),
  ])('returns undefined for %j without throwing', (message) => {
    expect(decodeInvalidation(SECRET, message)).toBeUndefined()
  })
})
