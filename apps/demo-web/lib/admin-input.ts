import { parseDuration, ROLE, type AdminAction } from 'distributed-validation-cache'

const MAX_BAN_MS = 100 * 365 * 86_400_000

/**
 * What an admin action needs from the request body — a ban's end, a role — or the reason the body
 * is not acceptable (a string, answered with 400). Actions without input read no body.
 */
export async function adminInput(
  request: Request,
  action: AdminAction,
  now = Date.now(),
): Promise<{ until: Date } | { role: string | null } | Record<string, never> | string> {
  if (action === 'ban') return banEnd(request, now)
  if (action === 'role') return roleChange(request)
  return {}
}

/** The JSON body, or the reason it is not acceptable. */
async function jsonBody(request: Request, shape: string): Promise<Record<string, unknown> | string> {
  if (!request.headers.get('content-type')?.toLowerCase().startsWith('application/json'))
    return 'send Content-Type: application/json'
  const body: unknown = await request.json().catch(() => undefined)
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : `body must be JSON: ${shape}`
}

/** `{"until": ISO}` or `{"duration": "24h"}`; a string is the reason it is not acceptable. */
async function banEnd(request: Request, now: number): Promise<{ until: Date } | string> {
  const body = await jsonBody(request, '{"until": "<ISO date>"} or {"duration": "24h"}')
  if (typeof body === 'string') return body
  const end =
    typeof body.until === 'string'
      ? Date.parse(body.until)
      : now + (parseDuration(body.duration, { bareSeconds: true }) ?? Number.NaN)
  if (!Number.isFinite(end))
    return '"until" must be an ISO date, or "duration" a duration like "24h", "30 m" or "3600" (seconds)'
  if (end <= now || end > now + MAX_BAN_MS) return 'the ban must end in the future and within 100 years'
  return { until: new Date(end) }
}

/** `{"role": "admin"}`, or `{"role": null}` to remove it. */
async function roleChange(request: Request): Promise<{ role: string | null } | string> {
  const body = await jsonBody(request, '{"role": "admin"} or {"role": null}')
  if (typeof body === 'string') return body
  return body.role === null || (typeof body.role === 'string' && ROLE.test(body.role))
    ? { role: body.role }
    : `"role" must match ${ROLE} or be null`
}
