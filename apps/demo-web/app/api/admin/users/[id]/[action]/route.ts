import type { NextRequest } from 'next/server'
import { assertUserId, InvalidUserIdError, parseDuration, RevocationError, UnsupportedAdminActionError, UserNotFoundError } from 'distributed-validation-cache'
import { isSameOrigin } from 'distributed-validation-cache/next'
import { adminOf, runtime } from '@/lib/runtime'

type Context = { params: Promise<{ id: string; action: string }> }
const ACTIONS = ['ban', 'unban', 'delete', 'restore', 'revoke'] as const
const MAX_BAN_MS = 100 * 365 * 86_400_000

/**
 * POST /api/admin/users/{id}/{ban|unban|delete|restore|revoke}. Each writes the user store
 * first, then updates the fleet. Ban and delete also revoke the user's existing sessions, so
 * lifting them later (unban, restore) does not bring back a cookie issued before — a stolen one
 * included. Admins only, from the app's own pages (same-origin check against CSRF).
 */
export async function POST(request: NextRequest, context: Context) {
  const { id, action } = await context.params
  const rt = await runtime()
  if (!isSameOrigin(request, rt.config.nextAuth.url)) return Response.json({ error: 'forbidden', reason: 'cross-origin request refused' }, { status: 403 })
  if (!(await adminOf(request))) {
    const signedIn = request.cookies.getAll().some((c) => c.name.includes('next-auth.session-token'))
    return signedIn
      ? Response.json({ error: 'forbidden', reason: 'admin role required (raw_app_meta_data.role = "admin")' }, { status: 403 })
      : Response.json({ error: 'unauthenticated' }, { status: 401 })
  }
  if (!(ACTIONS as readonly string[]).includes(action)) return Response.json({ error: 'not_found', reason: `unknown action; use one of ${ACTIONS.join(', ')}` }, { status: 404 })
  try {
    assertUserId(id, true) // before the user store sees it
    switch (action as (typeof ACTIONS)[number]) {
      case 'ban': {
        const until = await banEnd(request)
        if (typeof until === 'string') return Response.json({ error: 'bad_request', reason: until }, { status: 400 })
        await rt.admin.ban(id, until)
        return Response.json({ action, bannedUntil: until.toISOString(), ...(await rt.cache.revoke(id)) })
      }
      case 'delete':
        await rt.admin.softDelete(id)
        return Response.json({ action, ...(await rt.cache.revoke(id)) })
      case 'unban':
        await rt.admin.unban(id)
        return Response.json({ action, ...(await rt.cache.refresh(id)) })
      case 'restore':
        await rt.admin.restore(id)
        return Response.json({ action, ...(await rt.cache.refresh(id)) }) // not cache.restore(): revocations stay
      case 'revoke':
        return Response.json({ action, ...(await rt.cache.revoke(id)) })
    }
  } catch (error) {
    if (error instanceof InvalidUserIdError) return Response.json({ error: 'bad_request', reason: error.message }, { status: 400 })
    const cause = error instanceof RevocationError ? error.cause : error
    if (cause instanceof UserNotFoundError) return Response.json({ error: 'not_found', reason: 'no such user' }, { status: 404 })
    if (error instanceof UnsupportedAdminActionError) return Response.json({ error: 'unsupported', reason: error.message }, { status: 409 })
    if (error instanceof RevocationError) return Response.json({ error: 'unavailable', reason: error.message }, { status: 503, headers: { 'retry-after': '5' } })
    throw error
  }
}

/** `{"until": ISO}` or `{"duration": "24h"}`; a string is the reason it is not acceptable. */
async function banEnd(request: Request): Promise<Date | string> {
  if (!request.headers.get('content-type')?.startsWith('application/json')) return 'send Content-Type: application/json'
  let body: { until?: unknown; duration?: unknown }
  try {
    body = (await request.json()) as typeof body
  } catch {
    return 'body must be JSON: {"until": "<ISO date>"} or {"duration": "24h"}'
  }
  const end = typeof body?.until === 'string' ? Date.parse(body.until) : Date.now() + (parseDuration(body?.duration) ?? Number.NaN)
  if (!Number.isFinite(end)) return '"until" must be an ISO date, or "duration" a duration like "24h", "30 m" or "3600" (seconds)'
  if (end <= Date.now() || end > Date.now() + MAX_BAN_MS) return 'the ban must end in the future and within 100 years'
  return new Date(end)
}
