import { describe, expect, it } from 'vitest'
import { InvalidUserIdError } from './errors.js'
import { assertUserId, MAX_USER_ID_LENGTH } from './user-id.js'

const UUID = '3f2504e0-4f89-11d3-9a0c-0305e82c3301'

function problemOf(id: unknown, requireUuid: boolean): string | undefined {
  try {
    assertUserId(id, requireUuid)
    return undefined
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidUserIdError)
    return (error as InvalidUserIdError).problem
  }
}

describe('assertUserId', () => {
  it.each([42, 0, null, undefined, {}, [], { id: UUID }, true, Symbol('x')])(
    'rejects the non-string %p as not-a-string',
    (id) => {
      expect(problemOf(id, true)).toBe('not-a-string')
      expect(problemOf(id, false)).toBe('not-a-string')
    },
  )

  it('rejects an empty string as empty, in both modes', () => {
    expect(problemOf('', true)).toBe('empty')
    expect(problemOf('', false)).toBe('empty')
  })

  it('accepts exactly the maximum length and rejects one more as too-long', () => {
    expect(MAX_USER_ID_LENGTH).toBe(255)
    expect(problemOf('a'.repeat(255), false)).toBeUndefined()
    expect(problemOf('a'.repeat(256), false)).toBe('too-long')
    expect(problemOf('a'.repeat(256), true)).toBe('too-long')
    expect(problemOf('a'.repeat(10_240), false)).toBe('too-long')
  })

  it('accepts lower- and upper-case UUIDs when UUIDs are required', () => {
    expect(problemOf(UUID, true)).toBeUndefined()
    expect(problemOf(UUID.toUpperCase(), true)).toBeUndefined()
  })

  it.each(['user-1', `${UUID}x`, ` ${UUID}`, UUID.replace(/-/g, ''), `{${UUID}}`, 'g'.repeat(8) + UUID.slice(8)])(
    'rejects %j as not-a-uuid when UUIDs are required',
    (id) => {
      expect(problemOf(id, true)).toBe('not-a-uuid')
    },
  )

  it.each(['user-1', 'github|12345', 'auth0:abc', 'a.b_c', 'me@example.com', 'base64+x=', UUID])(
    'accepts the safe id %j when requireUuid is false',
    (id) => {
      expect(problemOf(id, false)).toBeUndefined()
    },
  )

  it.each([
    '{tag}',
    'a}b',
    'with space',
    'tab\there',
    'line\nbreak',
    'cr\r',
    'nul\u0000',
    'café',
    '用户',
    'emoji😀',
    'a/b',
    'a*b',
  ])('rejects %j as bad-characters when requireUuid is false', (id) => {
    expect(problemOf(id, false)).toBe('bad-characters')
  })

  it('says what to do in every message', () => {
    const messageOf = (id: unknown, requireUuid: boolean) => {
      try {
        assertUserId(id, requireUuid)
      } catch (error) {
        return (error as Error).message
      }
      throw new Error('expected a rejection')
    }
    const notUuid = messageOf('user-1', true)
    expect(notUuid).toContain('not-a-uuid')
    expect(notUuid).toContain('requireUuid: false')
    for (const [id, problem] of [
      [7, 'not-a-string'],
      ['', 'empty'],
      ['a'.repeat(300), 'too-long'],
      ['a b', 'bad-characters'],
    ] as const) {
      const message = messageOf(id, false)
      expect(message).toContain(`(${problem})`)
      expect(message).toMatch(/pass the session's user id \(the JWT "sub"\)/)
      expect(message).not.toContain('\n')
    }
  })

  it('never puts the rejected id in the message', () => {
    const long = 'secret-looking-id-'.repeat(20)
    try {
      assertUserId(long, false)
    } catch (error) {
      expect((error as Error).message).not.toContain('secret-looking-id')
      expect((error as Error).name).toBe('InvalidUserIdError')
    }
    expect.assertions(2)
  })
})
