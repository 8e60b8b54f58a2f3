import { describe, expect, it } from 'vitest'
import { decodeEntry, encodeEntry, type CacheEntry } from './entry.js'
import { sign } from '../crypto/signing.js'

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

// Built once for the table-driven cases below (describe's callback cannot await).
const raw = await encodeEntry(SECRET, USER, entry)
const fields = wire(raw)
const signature = fields[8] as string

describe('encodeEntry / decodeEntry', () => {
  it('round-trips every field', async () => {
    const raw = await encodeEntry(SECRET, USER, entry)
    expect(await decodeEntry(SECRET, USER, raw)).toEqual({ ok: true, entry })
  })

  it('round-trips missing, deleted and never-banned users', async () => {
    for (const state of [
      { exists: false, deleted: false, bannedUntil: null, sessionsRevokedAt: null },
      { exists: true, deleted: true, bannedUntil: null, sessionsRevokedAt: null },
    ]) {
      const e = { ...entry, state }
      expect(await decodeEntry(SECRET, USER, await encodeEntry(SECRET, USER, e))).toEqual({ ok: true, entry: e })
    }
  })

  it('round-trips a role, and signs it: a tampered or added role is bad-signature', async () => {
    const admin = {
      ...entry,
      state: { exists: true, deleted: false, bannedUntil: null, sessionsRevokedAt: null, role: 'admin' },
    }
    const raw = await encodeEntry(SECRET, USER, admin)
    expect(await decodeEntry(SECRET, USER, raw)).toEqual({ ok: true, entry: admin })
    expect(await decodeEntry(SECRET, USER, withField(raw, 7, 'owner'))).toEqual({ ok: false, reason: 'bad-signature' })
    expect(await decodeEntry(SECRET, USER, withField(await encodeEntry(SECRET, USER, entry), 7, 'admin'))).toEqual({
      ok: false,
      reason: 'bad-signature',
    })
  })

  it('reads an entry of the previous version (no role) as outdated: a miss, not tampering', async () => {
    const v1 = JSON.stringify([1, ...wire(await encodeEntry(SECRET, USER, entry)).slice(1, 7), 'signature'])
    expect(await decodeEntry(SECRET, USER, v1)).toEqual({ ok: false, reason: 'outdated' })
  })

  it('does not carry the user id in the stored value', async () => {
    expect(await encodeEntry(SECRET, USER, entry)).not.toContain(USER)
  })

  it('rejects an entry decoded with another secret as bad-signature', async () => {
    expect(await decodeEntry('another-secret-0123456', USER, await encodeEntry(SECRET, USER, entry))).toEqual({
      ok: false,
      reason: 'bad-signature',
    })
  })

  it("rejects an entry copied to another user's key as bad-signature", async () => {
    expect(await decodeEntry(SECRET, OTHER, await encodeEntry(SECRET, USER, entry))).toEqual({
      ok: false,
      reason: 'bad-signature',
    })
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
  ])('rejects a tampered %s as bad-signature', async (_, index, value) => {
    const raw = withField(await encodeEntry(SECRET, USER, entry), index, value)
    expect(await decodeEntry(SECRET, USER, raw)).toEqual({ ok: false, reason: 'bad-signature' })
  })

  it('rejects an entry re-signed with a forged signature as bad-signature', async () => {
    const raw = await encodeEntry(SECRET, USER, entry)
    const forged = withField(
      raw,
      8,
      await sign('attacker-secret-000000', JSON.stringify([USER, ...wire(raw).slice(0, 8)])),
    )
    expect(await decodeEntry(SECRET, USER, forged)).toEqual({ ok: false, reason: 'bad-signature' })
  })

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
  ])('rejects %s as corrupt', async (_, input) => {
    expect(await decodeEntry(SECRET, USER, input)).toEqual({ ok: false, reason: 'corrupt' })
  })

  it.each([
    ['a shorter signature', signature.slice(0, 20)],
    ['a longer signature', `${signature}==`],
    ['an empty signature', ''],
    ['a multibyte signature of the same length', `${'é'.repeat(2)}${signature.slice(2)}`],
    ['a multibyte signature of the same byte length', `${signature.slice(0, 41)}é`],
    ['a numeric signature', 12345],
    ['a null signature', null],
  ])('rejects %s as corrupt or bad-signature without throwing', async (_, bad) => {
    const result = await decodeEntry(SECRET, USER, withField(raw, 8, bad))
    expect(result.ok).toBe(false)
    expect(['corrupt', 'bad-signature']).toContain(result.ok ? undefined : result.reason)
  })
})
