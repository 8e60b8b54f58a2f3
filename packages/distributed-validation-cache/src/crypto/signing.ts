import { fromBase64Url, toBase64Url, utf8 } from './base64url.js'

/**
 * HMAC-SHA256 through Web Crypto, the one API for it on Node and on the Edge runtime (which has
 * no node:crypto): anyone who can write to Redis but lacks the secret cannot forge. Async, as
 * Web Crypto is; every caller is on a path that waits for I/O anyway.
 */
export async function sign(secret: string, payload: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.sign('HMAC', await keyFor(secret), utf8(payload))))
}

/** Whether `signature` is `payload`'s; compared by Web Crypto in constant time. */
export async function verify(secret: string, payload: string, signature: unknown): Promise<boolean> {
  // Canonical only (fromBase64Url): the last character's unused bits would give 4 spellings of one.
  const given = typeof signature === 'string' ? fromBase64Url(signature) : null
  if (given?.length !== 32) return false
  return crypto.subtle.verify('HMAC', await keyFor(secret), given, utf8(payload))
}

/** SHA-256 of `text`, base64url. */
export async function digest(text: string): Promise<string> {
  return toBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8(text))))
}

/** Random bytes, base64url: secrets and ids. */
export function randomToken(bytes = 32): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(bytes)))
}

// Importing a key costs about what a signature does; a process holds a handful of secrets.
const keys = new Map<string, Promise<CryptoKey>>()
const MAX_KEYS = 64

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret)
  if (!key) {
    if (secret === '') throw new TypeError('an empty secret cannot sign: set NEXTAUTH_SECRET (or the secret option)')
    if (keys.size >= MAX_KEYS) keys.clear() // bounded even if secrets churn (tests make many)
    key = crypto.subtle.importKey('raw', utf8(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify'])
    key.catch(() => keys.delete(secret)) // a failed import is not kept: the next call tries again
    keys.set(secret, key)
  }
  return key
}
