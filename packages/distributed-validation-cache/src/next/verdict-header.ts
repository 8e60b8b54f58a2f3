import type { ValidationResult } from '../cache.js'
import { textFromBase64Url, toBase64Url, utf8 } from '../crypto/base64url.js'
import { digest, sign, verify } from '../crypto/signing.js'

/**
 * The request header carrying the proxy's verdict to pages and routes, so they need not validate
 * again (each validation counts). Always overwritten or removed by the proxy.
 */
export const VERDICT_HEADER = 'x-dvc-verdict'

type Forwarded = ValidationResult

// A key of its own, so a sealed verdict is never also a valid signature of anything else.
let derived: { secret: string; key: Promise<string> } | undefined // one secret per app: derived once
const keyOf = (secret: string) =>
  (derived?.secret === secret ? derived : (derived = { secret, key: sign(secret, 'dvc verdict header v1') })).key
// The session, not only the user: a verdict is about one token, the one the proxy decoded.
const boundTo = async (sub: string, rawToken: string) => `${sub}\n${await digest(rawToken)}`

/**
 * A seal lives for one request, proxy to route, and no longer than the lockout promise: a route
 * that reads it later (a slow body, a replay, a request that skipped the proxy) validates again.
 */
const SEAL_MAX_AGE_MS = 1_000
// Proxy and route may run in two processes (on Vercel): their clocks may differ by a little.
const CLOCK_SLACK_MS = 100

/** The verdict, bound to the subject and the exact session token it was reached for, and to now. */
export async function sealVerdict(
  secret: string,
  result: Forwarded,
  sub: string,
  rawToken: string,
  now = Date.now(),
): Promise<string> {
  const fields = [result.verdict, result.tier, result.reason, result.checkedAt, result.role, now]
  const body = toBase64Url(utf8(JSON.stringify(fields)))
  return `${body}.${await sign(await keyOf(secret), `${body}\n${await boundTo(sub, rawToken)}`)}`
}

/**
 * The forwarded verdict if it was sealed for this very token, else null: a header a client
 * made up, or one the proxy sealed for another cookie than the one read here, is not believed.
 */
export async function openVerdict(
  secret: string,
  header: string | null,
  sub: string,
  rawToken: string,
  now = Date.now(),
): Promise<Forwarded | null> {
  const [body, signature, extra] = header?.split('.') ?? []
  if (!body || extra !== undefined) return null
  if (!(await verify(await keyOf(secret), `${body}\n${await boundTo(sub, rawToken)}`, signature))) return null
  type Fields = [Forwarded['verdict'], Forwarded['tier'], string, number | null, string | null, number]
  // Signed by the proxy, so well-formed; only a secret shared with a buggy writer could break this.
  const [verdict, tier, reason, checkedAt, role, sealedAt] = JSON.parse(textFromBase64Url(body) ?? 'null') as Fields
  const age = now - sealedAt
  if (!(age >= -CLOCK_SLACK_MS && age <= SEAL_MAX_AGE_MS)) return null // a clock stepped back gains nothing
  return { valid: verdict === 'active', verdict, tier, reason, checkedAt, role }
}
