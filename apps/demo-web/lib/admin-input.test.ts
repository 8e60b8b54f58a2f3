import { describe, expect, it } from 'vitest'
import { adminInput } from './admin-input'

const NOW = Date.parse('2026-12-01T12:00:00Z')
const json = (body: unknown, type = 'application/json') =>
  new Request('http://app/api/admin/users/x/ban', {
    method: 'POST',
    headers: { 'content-type': type },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })

describe('adminInput', () => {
  it('a ban ends at "until", or "duration" from now (strict durations; a bare number is seconds)', async () => {
    expect(await adminInput(json({ until: '2026-12-02T00:00:00Z' }), 'ban', NOW)).toEqual({
      until: new Date('2026-12-02T00:00:00Z'),
    })
    expect(await adminInput(json({ duration: '24h' }), 'ban', NOW)).toEqual({ until: new Date(NOW + 86_400_000) })
    expect(await adminInput(json({ duration: '30 m' }), 'ban', NOW)).toEqual({ until: new Date(NOW + 1_800_000) })
    expect(await adminInput(json({ duration: '3600' }), 'ban', NOW)).toEqual({ until: new Date(NOW + 3_600_000) })
  })

  it.each([
    ['no duration at all', {}, 'must be an ISO date'],
    ['a duration that is not one', { duration: 'forever' }, 'must be an ISO date'],
    ['an end in the past', { until: '2020-01-01T00:00:00Z' }, 'in the future'],
    ['an end past 100 years', { until: '2200-01-01T00:00:00Z' }, 'within 100 years'],
    ['a date that is not one', { until: 'tomorrow' }, 'must be an ISO date'],
  ])('refuses a ban with %s, saying why', async (_, body, reason) => {
    const answer = await adminInput(json(body), 'ban', NOW)
    expect(typeof answer).toBe('string')
    expect(answer).toContain(reason)
  })

  it('a role is a short name, or null to remove it', async () => {
    expect(await adminInput(json({ role: 'admin' }), 'role')).toEqual({ role: 'admin' })
    expect(await adminInput(json({ role: null }), 'role')).toEqual({ role: null })
    for (const role of ['', 'a b', 'x'.repeat(65), 42, '<script>'])
      expect(typeof (await adminInput(json({ role }), 'role'))).toBe('string')
    expect(await adminInput(json({}), 'role')).toMatch(/"role" must match/)
  })

  it('wants JSON: another content type or a body that is not an object is refused', async () => {
    expect(await adminInput(json('until=2027-01-01', 'application/x-www-form-urlencoded'), 'ban', NOW)).toBe(
      'send Content-Type: application/json',
    )
    expect(await adminInput(json('{"until":', 'application/json'), 'ban', NOW)).toMatch(/^body must be JSON/)
    expect(await adminInput(json('"a string"'), 'role')).toMatch(/^body must be JSON/)
  })

  it('actions without input read no body', async () => {
    for (const action of ['unban', 'delete', 'undelete', 'revoke'] as const) {
      const request = json('not even JSON', 'text/plain')
      expect(await adminInput(request, action)).toEqual({})
      expect(request.bodyUsed).toBe(false)
    }
  })
})
