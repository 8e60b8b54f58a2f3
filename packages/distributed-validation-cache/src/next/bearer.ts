import { digest } from '../crypto/signing.js'

/**
 * Whether an Authorization header carries `Bearer <secret>`. Compares SHA-256 digests, so
 * neither the secret's content nor its length leaks through timing: an early exit on a digest
 * tells an attacker about a hash of their guess, not about the secret.
 */
export async function bearerMatches(header: string | null, secret: string): Promise<boolean> {
  const [given, expected] = await Promise.all([digest(header ?? ''), digest(`Bearer ${secret}`)])
  return given === expected
}
