import { describe, expect, it } from 'vitest'
import { refusedAsCrossSite } from './request-provenance.js'

const APP = 'https://app.example.com'
const post = (headers: Record<string, string>) =>
  new Request(`${APP}/api/admin/users/x/ban`, { method: 'POST', headers })

/** Which cookie-authenticated POSTs may change state: the app's own pages and scripts, never another site. */
describe('refusedAsCrossSite', () => {
  it.each([
    [
      'the app’s own page (Sec-Fetch-Site: same-origin)',
      { 'sec-fetch-site': 'same-origin', 'content-type': 'text/plain' },
    ],
    ['a user-initiated request (Sec-Fetch-Site: none)', { 'sec-fetch-site': 'none' }],
    [
      'an older browser on the app’s origin (Origin only)',
      { origin: APP, 'content-type': 'application/x-www-form-urlencoded' },
    ],
    ['curl with a JSON body (no provenance headers)', { 'content-type': 'application/json' }],
    ['a script with a JSON charset parameter', { 'content-type': 'application/json; charset=utf-8' }],
  ])('accepts %s', (_, headers) => {
    expect(refusedAsCrossSite(post(headers), APP)).toBeNull()
  })

  it.each([
    ['a cross-site page', { 'sec-fetch-site': 'cross-site', 'content-type': 'application/json' }, /cross-site/],
    [
      'a sibling subdomain (same-site, other origin)',
      { 'sec-fetch-site': 'same-site', origin: 'https://evil.example.com' },
      /same-site/,
    ],
    [
      'an Origin that is not the app’s',
      { origin: 'https://evil.example', 'content-type': 'application/json' },
      /origin/,
    ],
    ['a sandboxed page (Origin: null)', { origin: 'null', 'content-type': 'application/json' }, /origin/],
    ['a form post without provenance', { 'content-type': 'application/x-www-form-urlencoded' }, /application\/json/],
    ['a multipart form without provenance', { 'content-type': 'multipart/form-data; boundary=x' }, /application\/json/],
    ['a text/plain body without provenance', { 'content-type': 'text/plain' }, /application\/json/],
    ['no body type and no provenance', {}, /application\/json/],
    ['a JSON look-alike type', { 'content-type': 'application/jsonx' }, /application\/json/],
  ])('refuses %s, saying why', (_, headers, reason) => {
    expect(refusedAsCrossSite(post(headers), APP)).toMatch(reason)
  })

  it('takes the request’s own origin when no public URL is configured', () => {
    expect(refusedAsCrossSite(post({ origin: APP }))).toBeNull()
    expect(refusedAsCrossSite(post({ origin: 'https://other.example' }))).not.toBeNull()
  })
})
