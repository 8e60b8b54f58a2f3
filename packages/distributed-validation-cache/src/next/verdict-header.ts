import { createHash } from 'node:crypto'
import type { ValidationResult } from '../cache.js'
import { sign, verify } from '../signing.js'

/**
 * The request header carrying the proxy's verdict to pages and routes, so they need not validate
 * again (each validation counts). Always overwritten or removed by the proxy.
 */
export const VERDICT_HEADER = 'x-dvc-verdict'

type Forwarded = ValidationResult

// A key of its own, so a sealed verdict is never also a valid signature of anything else.
const keyOf = (secret: string) => sign(secret, 'dvc verdict header v1')
// The session, not only the user: a verdict is about one token, the one the proxy decoded.
const boundTo = (sub: string, rawToken: string) => `${sub}\n${createHash('sha256').update(rawToken).digest('base64url')}`

/** The verdict, bound to the subject and the exact session token it was reached for. */
export function sealVerdict(secret: string, result: Forwarded, sub: string, rawToken: string): string {
  const body = Buffer.from(JSON.stringify([result.verdict, result.tier, result.reason, result.checkedAt, result.role])).toString('base64url')
  return `${body}.${sign(keyOf(secret), `${body}\n${boundTo(sub, rawToken)}`)}`
}

/**
 * The forwarded verdict if it was sealed for this very token, else null: a header a client
 * made up, or one the proxy sealed for another cookie than the one read here, is not believed.
 */
export function openVerdict(secret: string, header: string | null, sub: string, rawToken: string): Forwarded | null {
  const [body, signature, extra] = header?.split('.') ?? []
  if (!body || extra !== undefined || !verify(keyOf(secret), `${body}\n${boundTo(sub, rawToken)}`, signature)) return null
  const fields = JSON.parse(Buffer.from(body, 'base64url').toString()) as [Forwarded['verdict'], Forwarded['tier'], string, number | null, string | null]
  const [verdict, tier, reason, checkedAt, role] = fields
  return { valid: verdict === 'active', verdict, tier, reason, checkedAt, role }
}
