import { fromBase64Url, toBase64Url } from './base64url.js'
import { hmac as defaultHmac, type Hmac } from './hmac.js'

/**
 * HMAC-SHA256, base64url: anyone who can write to Redis but lacks the secret cannot forge. Async,
 * as Web Crypto (the Edge runtime's only crypto) is; on Node, node:crypto does the work (hmac.ts).
 */
export async function sign(secret: string, payload: string, hmac: Hmac = defaultHmac): Promise<string> {
  return toBase64Url(await hmac.mac(usable(secret), payload))
}

/** Whether `signature` is `payload`'s; compared in constant time. */
export async function verify(
  secret: string,
  payload: string,
  signature: unknown,
  hmac: Hmac = defaultHmac,
): Promise<boolean> {
  // Canonical only (fromBase64Url): the last character's unused bits would give 4 spellings of one.
  const given = typeof signature === 'string' ? fromBase64Url(signature) : null
  if (given?.length !== 32) return false
  return hmac.check(usable(secret), payload, given)
}

/** SHA-256 of `text`, base64url. */
export async function digest(text: string, hmac: Hmac = defaultHmac): Promise<string> {
  return toBase64Url(await hmac.sha256(text))
}

/** Random bytes, base64url: secrets and ids. */
export function randomToken(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)))
}

function usable(secret: string): string {
  if (secret === '') throw new TypeError('an empty secret cannot sign: set NEXTAUTH_SECRET (or the secret option)')
  return secret
}
