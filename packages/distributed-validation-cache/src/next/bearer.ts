import { hmac } from '../crypto/hmac.js'

/**
 * Whether an Authorization header carries `Bearer <secret>`. Compares SHA-256 digests, every
 * byte whatever the first difference, so neither the secret's content nor its length leaks
 * through timing.
 */
export async function bearerMatches(header: string | null, secret: string): Promise<boolean> {
  const [a, b] = await Promise.all([hmac.sha256(header ?? ''), hmac.sha256(`Bearer ${secret}`)])
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!
  return difference === 0
}
