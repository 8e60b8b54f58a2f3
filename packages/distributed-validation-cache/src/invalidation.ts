import { sign, verify } from './signing.js'

/**
 * The broadcast that makes every instance drop a user's L1 entry at once. Signed, so a client
 * that can publish on Redis cannot make instances thrash or forge an origin.
 */
export function encodeInvalidation(secret: string, userId: string, origin: string): string {
  const body = JSON.stringify([userId, origin])
  return JSON.stringify([userId, origin, sign(secret, body)])
}

export function decodeInvalidation(secret: string, message: string): { userId: string; origin: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(message)
    if (!Array.isArray(parsed) || parsed.length !== 3) return undefined
    const [userId, origin, signature] = parsed as unknown[]
    if (typeof userId !== 'string' || typeof origin !== 'string') return undefined
    return verify(secret, JSON.stringify([userId, origin]), signature) ? { userId, origin } : undefined
  } catch {
    return undefined
  }
}
