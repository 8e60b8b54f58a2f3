import { sign, verify } from '../crypto/signing.js'
import { interned, isNegative, type UserState } from '../user-state.js'

/** A user's state as cached, with when it was read from the source and until when it is fresh. */
export interface CacheEntry {
  state: UserState
  checkedAt: number
  freshUntil: number
}

/**
 * A state read from the source, dated when the query was sent: the state is at least that old,
 * and its order says so. Fresh for the TTL, or the negative TTL for a user who may not come in.
 */
export function entryFor(state: UserState, readAt: number, ttls: { ttlMs: number; negativeTtlMs: number }): CacheEntry {
  return {
    state,
    checkedAt: readAt,
    freshUntil: readAt + (isNegative(state, readAt) ? ttls.negativeTtlMs : ttls.ttlMs),
  }
}

// 2: the role joined the state. A version-1 entry is `outdated`: a miss, not tampering.
const VERSION = 2
type Wire = [
  version: number,
  exists: 0 | 1,
  deleted: 0 | 1,
  bannedUntil: number | null,
  revokedAt: number | null,
  checkedAt: number,
  freshUntil: number,
  role: string | null,
  signature: string,
]
const FIELDS = 8

// The user id is inside the signed payload but not in the value: an entry copied to another
// user's key fails verification instead of granting that user the copied state.
function payload(userId: string, fields: unknown[]): string {
  return JSON.stringify([userId, ...fields])
}

export async function encodeEntry(secret: string, userId: string, entry: CacheEntry): Promise<string> {
  const { state } = entry
  const fields = [
    VERSION,
    state.exists ? 1 : 0,
    state.deleted ? 1 : 0,
    state.bannedUntil,
    state.sessionsRevokedAt,
    entry.checkedAt,
    entry.freshUntil,
    state.role ?? null,
  ]
  return JSON.stringify([...fields, await sign(secret, payload(userId, fields))])
}

export type DecodeResult =
  | { ok: true; entry: CacheEntry }
  | { ok: false; reason: 'corrupt' | 'bad-signature' | 'outdated' }

const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)
const isFlag = (v: unknown): v is 0 | 1 => v === 0 || v === 1

/** Fields 1–6, the same in every version: flags, then the four times. */
function stateFieldsWellFormed([, exists, deleted, bannedUntil, revokedAt, checkedAt, freshUntil]: unknown[]): boolean {
  return (
    isFlag(exists) &&
    isFlag(deleted) &&
    (bannedUntil === null || isTime(bannedUntil)) &&
    (revokedAt === null || isTime(revokedAt)) &&
    isTime(checkedAt) &&
    isTime(freshUntil)
  )
}

export async function decodeEntry(secret: string, userId: string, raw: string): Promise<DecodeResult> {
  let wire: unknown
  try {
    wire = JSON.parse(raw)
  } catch {
    return { ok: false, reason: 'corrupt' }
  }
  if (!Array.isArray(wire)) return { ok: false, reason: 'corrupt' }
  // A well-formed entry of version 1 (no role): written before an upgrade, not by an attacker.
  if (wire.length === 8 && wire[0] === 1 && stateFieldsWellFormed(wire)) return { ok: false, reason: 'outdated' }
  if (wire.length !== FIELDS + 1 || wire[0] !== VERSION || !stateFieldsWellFormed(wire))
    return { ok: false, reason: 'corrupt' }
  const [, exists, deleted, bannedUntil, revokedAt, checkedAt, freshUntil, role, signature] = wire as Wire
  if (!(role === null || typeof role === 'string')) return { ok: false, reason: 'corrupt' }
  if (!(await verify(secret, payload(userId, wire.slice(0, FIELDS)), signature)))
    return { ok: false, reason: 'bad-signature' }
  const state = interned({
    exists: exists === 1,
    deleted: deleted === 1,
    bannedUntil,
    sessionsRevokedAt: revokedAt,
    ...(role === null ? {} : { role }),
  })
  return { ok: true, entry: { state, checkedAt, freshUntil } }
}
