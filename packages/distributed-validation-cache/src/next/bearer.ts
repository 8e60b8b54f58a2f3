import { fromBase64Url } from '../crypto/base64url.js'
import { digest } from '../crypto/signing.js'

/**
 * Whether an Authorization header carries `Bearer <secret>`. Compares SHA-256 digests, every
 * byte whatever the first difference, so neither the secret's content nor its length leaks
 * through timing.
 */
export async function bearerMatches(header: string | null, secret: string): Promise<boolean> {
  const [given, expected] = await Promise.all([digest(header ?? ''), digest(`Bearer ${secret}`)])
  const [a, b] = [fromBase64Url(given)!, fromBase64Url(expected)!]
  let difference = 0
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!
  return difference === 0
}
