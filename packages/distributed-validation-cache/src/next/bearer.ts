import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * Whether an Authorization header carries `Bearer <secret>`. Compares SHA-256 digests in
 * constant time, so neither the secret's content nor its length leaks through timing.
 */
export function bearerMatches(header: string | null, secret: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest()
  return timingSafeEqual(digest(header ?? ''), digest(`Bearer ${secret}`))
}
