import type { NextRequest } from 'next/server'
import {
  ADMIN_ACTIONS, assertUserId, InvalidUserIdError, parseDuration, RevocationError, ROLE, runAdminAction, UnsupportedAdminActionError,
  UserNotFoundError, type AdminAction,
} from 'distributed-validation-cache'
import { refusedAsCrossSite } from 'distributed-validation-cache/next'
import { adminOf, runtime } from '@/lib/runtime'

type Context = { params: Promise<{ id: string; action: string }> }
const MAX_BAN_MS = 100 * 365 * 86_400_000

/**
 * POST /api/admin/users/{id}/{ban|unban|delete|restore|revoke|role}: the user store first, then the
 * fleet (runAdminAction). Admins only; from the app's pages or a script sending JSON, never from
 * another site (refusedAsCrossSite). The answer says what happened, partial outcomes included.
 */
export async function POST(request: NextRequest, context: Context) {
  const { id, action } = await context.params
  const rt = await runtime()
  const crossSite = refusedAsCrossSite(request, rt.config.nextAuth.url)
  if (crossSite) return Response.json({ error: 'forbidden', reason: crossSite }, { status: 403 })
  if (!(await adminOf(request))) {
    const signedIn = request.cookies.getAll().some((c) => c.name.includes('next-auth.session-token'))
    return signedIn
      ? Response.json({ error: 'forbidden', reason: 'admin role required (raw_app_meta_data.role = "admin")' }, { status: 403 })
      : Response.json({ error: 'unauthenticated' }, { status: 401 })
  }
  if (!(ADMIN_ACTIONS as readonly string[]).includes(action)) return Response.json({ error: 'not_found', reason: `unknown action; use one of ${ADMIN_ACTIONS.join(', ')}` }, { status: 404 })
  try {
    assertUserId(id, true) // before the user store sees it
    const input = action === 'ban' ? await banEnd(request) : action === 'role' ? await roleChange(request) : {}
    if (typeof input === 'string') return Response.json({ error: 'bad_request', reason: input }, { status: 400 })
    // Again, now that the body is in: the admin may have been demoted or banned while it arrived.
    if (!(await adminOf(request, { fresh: true }))) return Response.json({ error: 'forbidden', reason: 'admin role required' }, { status: 403 })
    return Response.json(await runAdminAction(rt, id, action as AdminAction, input))
  } catch (error) {
    if (error instanceof InvalidUserIdError) return Response.json({ error: 'bad_request', reason: error.message }, { status: 400 })
    const cause = error instanceof RevocationError ? error.cause : error
    if (cause instanceof UserNotFoundError) return Response.json({ error: 'not_found', reason: 'no such user' }, { status: 404 })
    if (error instanceof UnsupportedAdminActionError) return Response.json({ error: 'unsupported', reason: error.message }, { status: 409 })
    if (error instanceof RevocationError) return Response.json({ error: 'unavailable', reason: error.message }, { status: 503, headers: { 'retry-after': '5' } })
    throw error
  }
}

/** The JSON body, or the reason it is not acceptable. */
async function jsonBody(request: Request, shape: string): Promise<Record<string, unknown> | string> {
  if (!request.headers.get('content-type')?.toLowerCase().startsWith('application/json')) return 'send Content-Type: application/json'
  const body: unknown = await request.json().catch(() => undefined)
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : `body must be JSON: ${shape}`
}

/** `{"until": ISO}` or `{"duration": "24h"}`; a string is the reason it is not acceptable. */
async function banEnd(request: Request): Promise<{ until: Date } | string> {
  const body = await jsonBody(request, '{"until": "<ISO date>"} or {"duration": "24h"}')
  if (typeof body === 'string') return body
  const end = typeof body.until === 'string' ? Date.parse(body.until) : Date.now() + (parseDuration(body.duration) ?? Number.NaN)
  if (!Number.isFinite(end)) return '"until" must be an ISO date, or "duration" a duration like "24h", "30 m" or "3600" (seconds)'
  if (end <= Date.now() || end > Date.now() + MAX_BAN_MS) return 'the ban must end in the future and within 100 years'
  return { until: new Date(end) }
}

/** `{"role": "admin"}`, or `{"role": null}` to remove it. */
async function roleChange(request: Request): Promise<{ role: string | null } | string> {
  const body = await jsonBody(request, '{"role": "admin"} or {"role": null}')
  if (typeof body === 'string') return body
  return body.role === null || (typeof body.role === 'string' && ROLE.test(body.role)) ? { role: body.role } : `"role" must match ${ROLE} or be null`
}
