import { InvalidUserIdError } from './errors.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// Ids go into Redis keys and hash tags: braces, whitespace and control characters would break them.
const SAFE = /^[A-Za-z0-9._@:|+=-]+$/
export const MAX_USER_ID_LENGTH = 255

/** Throws InvalidUserIdError unless `id` may be looked up. Runs before any store call. */
export function assertUserId(id: unknown, requireUuid: boolean): asserts id is string {
  if (typeof id !== 'string') throw new InvalidUserIdError('not-a-string')
  if (id.length === 0) throw new InvalidUserIdError('empty')
  if (id.length > MAX_USER_ID_LENGTH) throw new InvalidUserIdError('too-long')
  if (requireUuid) {
    if (!UUID.test(id)) throw new InvalidUserIdError('not-a-uuid')
  } else if (!SAFE.test(id)) throw new InvalidUserIdError('bad-characters')
}

/**
 * The one spelling of an id used in keys and broadcasts. UUIDs are case-insensitive (Postgres
 * and GoTrue agree), so "ABC…" and "abc…" must be the same user, or revoking one misses the other.
 */
export function canonicalUserId(id: string, requireUuid: boolean): string {
  return requireUuid ? id.toLowerCase() : id
}
