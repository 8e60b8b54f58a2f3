import { describe, expect, it } from 'vitest'
import { decodeEntry, encodeEntry, type CacheEntry } from './entry.js'
import { sign, verify } from './signing.js'

const SECRET = 'entry-secret-0123456789'
const USER = '3f2504e0-4f89-11d3-9a0c-0305e82c3301'
const OTHER = '9b2f6c1e-0000-4000-8000-000000000001'
const entry: CacheEntry = {
  state: { exists: true, deleted: false, bannedUntil: 1_700_000_100_000, sessionsRevokedAt: 1_700_000_000_000 },
  checkedAt: 1_700_000_000_500,
  freshUntil: 1_700_000_300_500,
}

const wire = (raw: string) => JSON.parse(raw) as unknown[]
const withField = (raw: string, index: number, value: unknown) => {
  const fields = wire(raw)
  fields[index] = value
  return JSON.stringify(fields)
}

describe('signing', () => {
  it('verifies its own signature and rejects other secrets, payloads and shapes without throwing', () => {
    const signature = sign(SECRET, 'payload')
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(verify(SECRET, 'payload', signature)).toBe(true)
    expect(verify('another-secret-0123456', 'payload', signature)).toBe(false)
    expect(verify(SECRET, 'payload2', signature)).toBe(false)
    expect(verify(SECRET, 'payload', signature.slice(1))).toBe(false)
    expect(verify(SECRET, 'payload', `${signature}A`)).toBe(false)
    expect(verify(SECRET, 'payload', `é${signature.slice(1)}`)).toBe(false) // same char count, more bytes
    expect(verify(SECRET, 'payload', `${signature.slice(0, 41)}é`)).toBe(false) // same byte count (43), reaches timingSafeEqual
    for (const bad of [undefined, null, 42, {}, []]) expect(verify(SECRET, 'payload', bad)).toBe(false)
  })
})

describe('encodeEntry / decodeEntry', () => {
  it('round-trips every field', () => {
    const raw = encodeEntry(SECRET, USER, entry)
    expect(decodeEntry(SECRET, USER, raw)).toEqual({ ok: true, entry })
  })

  it('round-trips missing, deleted and never-banned users', () => {
    for (const state of [
      { exists: false, deleted: false, bannedUntil: null, sessionsRevokedAt: null },
      { exists: true, deleted: true, bannedUntil: null, sessionsRevokedAt: null },
    ]) {
      const e = { ...entry, state }
      expect(decodeEntry(SECRET, USER, encodeEntry(SECRET, USER, e))).toEqual({ ok: true, entry: e })
    }
  })

  it('round-trips a role, and signs it: a tampered or added role is bad-signature', () => {
    const admin = {
      ...entry,
      state: { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null, role: 'admin' },
    }
    const raw = encodeEntry(SECRET, USER, admin)
    expect(decodeEntry(SECRET, USER, raw)).toEqual({ ok: true, entry: admin })
    expect(decodeEntry(SECRET, USER, withField(raw, 7, 'owner'))).toEqual({ ok: false, reason: 'bad-signature' })
    expect(decodeEntry(SECRET, USER, withField(encodeEntry(SECRET, USER, entry), 7, 'admin'))).toEqual({
      ok: false,
      reason: 'bad-signature',
    })
  })

  it('reads an entry of the previous version (no role) as outdated: a miss, not tampering', () => {
    const v1 = JSON.stringify([1, ...wire(encodeEntry(SECRET, USER, entry)).slice(1, 7), 'signature'])
    expect(decodeEntry(SECRET, USER, v1)).toEqual({ ok: false, reason: 'outdated' })
  })

  it('does not carry the user id in the stored value', () => {
    expect(encodeEntry(SECRET, USER, entry)).not.toContain(USER)
  })

  it('rejects an entry decoded with another secret as bad-signature', () => {
    expect(decodeEntry('another-secret-0123456', USER, encodeEntry(SECRET, USER, entry))).toEqual({
      ok: false,
      reason: 'bad-signature',
    })
  })

  it("rejects an entry copied to another user's key as bad-signature", () => {
    expect(decodeEntry(SECRET, OTHER, encodeEntry(SECRET, USER, entry))).toEqual({ ok: false, reason: 'bad-signature' })
  })

  it.each([
    ['exists', 1, 0],
    ['deleted', 2, 1],
    ['bannedUntil cleared', 3, null],
    ['bannedUntil moved', 3, entry.state.bannedUntil! - 1],
    ['sessionsRevokedAt cleared', 4, null],
    ['sessionsRevokedAt moved', 4, 0],
    ['checkedAt', 5, entry.checkedAt + 1],
    ['freshUntil extended', 6, entry.freshUntil + 86_400_000],
  ])('rejects a tampered %s as bad-signature', (_, index, value) => {
    const raw = withField(encodeEntry(SECRET, USER, entry), index, value)
    expect(decodeEntry(SECRET, USER, raw)).toEqual({ ok: false, reason: 'bad-signature' })
  })

  it('rejects an entry re-signed with a forged signature as bad-signature', () => {
    const raw = encodeEntry(SECRET, USER, entry)
    const forged = withField(raw, 8, sign('attacker-secret-000000', JSON.stringify([USER, ...wire(raw).slice(0, 8)])))
    expect(decodeEntry(SECRET, USER, forged)).toEqual({ ok: false, reason: 'bad-signature' })
  })

  const raw = encodeEntry(SECRET, USER, entry)
  const fields = wire(raw)
  const signature = fields[8] as string
  it.each([
    ['empty string', ''],
    ['not JSON', 'not json {'],
    ['a JSON object', JSON.stringify({ exists: 1 })],
    ['a JSON string', JSON.stringify(raw)],
    ['JSON null', 'null'],
    ['8 fields', JSON.stringify(fields.slice(0, 8))],
    ['10 fields', JSON.stringify([...fields, 'extra'])],
    ['an empty array', '[]'],
    ['version 3', withField(raw, 0, 3)],
    ['version "2"', withField(raw, 0, '2')],
    ['exists true (not 1)', withField(raw, 1, true)],
    ['exists 2', withField(raw, 1, 2)],
    ['deleted "0"', withField(raw, 2, '0')],
    ['bannedUntil as string', withField(raw, 3, '1700000100000')],
    ['revokedAt as object', withField(raw, 4, {})],
    ['checkedAt null', withField(raw, 5, null)],
    ['freshUntil as string', withField(raw, 6, 'soon')],
    ['a role that is not a string', withField(raw, 7, 1)],
  ])('rejects %s as corrupt', (_, input) => {
    expect(decodeEntry(SECRET, USER, input)).toEqual({ ok: false, reason: 'corrupt' })
  })

  it.each([
    ['a shorter signature', signature.slice(0, 20)],
    ['a longer signature', `${signature}==`],
    ['an empty signature', ''],
    ['a multibyte signature of the same length', `${'é'.repeat(2)}${signature.slice(2)}`],
    ['a multibyte signature of the same byte length', `${signature.slice(0, 41)}é`],
    ['a numeric signature', 12345],
    ['a null signature', null],
  ])('rejects %s as corrupt or bad-signature without throwing', (_, bad) => {
    const result = decodeEntry(SECRET, USER, withField(raw, 8, bad))
    expect(result.ok).toBe(false)
    expect(['corrupt', 'bad-signature']).toContain(result.ok ? undefined : result.reason)
  })
})
