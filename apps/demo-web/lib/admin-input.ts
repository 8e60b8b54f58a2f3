import { parseDuration, ROLE, type AdminAction } from 'distributed-validation-cache'

const MAX_BAN_MS = 100 * 365 * 86_400_000

export type AdminInput = { until: Date } | { role: string | null } | Record<string, never>

/**
 * What an admin action needs from an HTTP request's JSON body — a ban's end, a role — or the
 * reason the body is not acceptable (a string, answered with 400). Actions without input read no body.
 */
export async function adminInput(
  request: Request,
  action: AdminAction,
  now = Date.now(),
): Promise<AdminInput | string> {
  if (action !== 'ban' && action !== 'role') return {}
  if (!request.headers.get('content-type')?.toLowerCase().startsWith('application/json'))
    return 'send Content-Type: application/json'
  return adminInputFrom(action, await request.json().catch(() => undefined), now)
}

/** The same from a value already parsed: a Server Action's argument, or a JSON body. */
export function adminInputFrom(action: AdminAction, body: unknown, now = Date.now()): AdminInput | string {
  if (action !== 'ban' && action !== 'role') return {}
  const shape =
    action === 'ban' ? '{"until": "<ISO date>"} or {"duration": "24h"}' : '{"role": "admin"} or {"role": null}'
  if (typeof body !== 'object' || body === null) return `body must be JSON: ${shape}`
  const fields = body as Record<string, unknown>
  return action === 'ban' ? banEnd(fields, now) : roleChange(fields)
}

/** `{"until": ISO}` or `{"duration": "24h"}`; a string is the reason it is not acceptable. */
function banEnd(body: Record<string, unknown>, now: number): { until: Date } | string {
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
function roleChange(body: Record<string, unknown>): { role: string | null } | string {
  return body.role === null || (typeof body.role === 'string' && ROLE.test(body.role))
    ? { role: body.role }
    : `"role" must match ${ROLE} or be null`
}
