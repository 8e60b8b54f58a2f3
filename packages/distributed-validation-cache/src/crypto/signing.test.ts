import { describe, expect, it } from 'vitest'
import { fromBase64Url, textFromBase64Url, toBase64Url, utf8 } from './base64url.js'
import { hmac, webCryptoHmac } from './hmac.js'
import { digest, randomToken, sign, verify } from './signing.js'

const SECRET = 'signing-secret-0123456789'

describe('signing', () => {
  it('verifies its own signature and rejects other secrets, payloads and shapes without throwing', async () => {
    const signature = await sign(SECRET, 'payload')
    expect(signature).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(await verify(SECRET, 'payload', signature)).toBe(true)
    expect(await verify('another-secret-0123456', 'payload', signature)).toBe(false)
    expect(await verify(SECRET, 'payload2', signature)).toBe(false)
    expect(await verify(SECRET, 'payload', signature.slice(1))).toBe(false)
    expect(await verify(SECRET, 'payload', `${signature}A`)).toBe(false)
    expect(await verify(SECRET, 'payload', `${signature}=`)).toBe(false) // padded
    expect(await verify(SECRET, 'payload', `é${signature.slice(1)}`)).toBe(false) // same char count, more bytes
    expect(await verify(SECRET, 'payload', `${signature.slice(0, 41)}é`)).toBe(false) // same byte count (43)
    expect(await verify(SECRET, 'payload', signature.replace(/-/g, '+').replace(/_/g, '/'))).toBe(
      !/[-_]/.test(signature), // plain base64 is another alphabet
    )
    for (const bad of [undefined, null, 42, {}, []]) expect(await verify(SECRET, 'payload', bad)).toBe(false)
  })

  it('believes one spelling of a signature only: the unused low bits of its last character must be zero', async () => {
    const signature = await sign(SECRET, 'payload')
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(signature.at(-1)!)
    // 43 characters carry 258 bits for 256: flipping either spare bit would decode to the same bytes.
    for (const spare of [1, 2, 3]) {
      const twin = signature.slice(0, -1) + alphabet[last ^ spare]
      expect(fromBase64Url(twin)).toBeNull()
      expect(await verify(SECRET, 'payload', twin)).toBe(false)
    }
  })

  it('signs the same under every runtime: HMAC-SHA256 of RFC 4231 test case 2', async () => {
    const mac = await sign('Jefe', 'what do ya want for nothing?')
    expect(Buffer.from(fromBase64Url(mac)!).toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    )
    expect(Buffer.from(fromBase64Url(await digest('abc'))!).toString('hex')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
  })

  it('makes random tokens of the size asked, never twice the same', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => randomToken()))
    expect(tokens.size).toBe(100)
    for (const token of tokens) expect(fromBase64Url(token)).toHaveLength(32)
    expect(fromBase64Url(randomToken(6))).toHaveLength(6)
  })
})

describe('the two implementations', () => {
  it('node:crypto on this Node (getBuiltinModule), Web Crypto elsewhere: the same bytes, each verifying the other', async () => {
    expect(hmac.name).toBe('node:crypto')
    for (const payload of ['payload', '', 'é ✓ 😀', 'x'.repeat(10_000)]) {
      const [node, web] = [await sign(SECRET, payload, hmac), await sign(SECRET, payload, webCryptoHmac)]
      expect(web).toBe(node)
      expect(await verify(SECRET, payload, node, webCryptoHmac)).toBe(true)
      expect(await verify(SECRET, `${payload}!`, node, webCryptoHmac)).toBe(false)
      expect(await verify('other-secret-0123456789', payload, web, hmac)).toBe(false)
      expect(await digest(payload, webCryptoHmac)).toBe(await digest(payload, hmac))
    }
    for (const implementation of [hmac, webCryptoHmac])
      await expect(sign('', 'payload', implementation)).rejects.toThrow(/empty secret/)
  })
})

describe('base64url', () => {
  it('round-trips every byte and agrees with Buffer', () => {
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i)
    for (let n = 0; n <= bytes.length; n += 17) {
      const slice = bytes.slice(0, n)
      expect(toBase64Url(slice)).toBe(Buffer.from(slice).toString('base64url'))
      expect(fromBase64Url(toBase64Url(slice))).toEqual(slice)
    }
  })

  it('decodes no string outside the alphabet or of an impossible length, and no text that is not UTF-8', () => {
    for (const bad of ['a', 'ab=', 'a+b/', 'ab c', 'ab\n', 'é']) expect(fromBase64Url(bad)).toBeNull()
    expect(textFromBase64Url(toBase64Url(utf8('héllo')))).toBe('héllo')
    expect(textFromBase64Url(toBase64Url(Uint8Array.of(0xff, 0xfe)))).toBeNull()
  })
})
