import { createHmac, timingSafeEqual } from 'node:crypto'

/** HMAC-SHA256, base64url. Anyone who can write to Redis but lacks the secret cannot forge. */
export function sign(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url')
}

export function verify(secret: string, payload: string, signature: unknown): boolean {
  if (typeof signature !== 'string') return false
  const expected = Buffer.from(sign(secret, payload))
  const given = Buffer.from(signature)
  return expected.length === given.length && timingSafeEqual(expected, given)
}
