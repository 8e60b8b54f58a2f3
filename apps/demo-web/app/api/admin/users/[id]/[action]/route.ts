import { getToken } from 'next-auth/jwt'
import type { NextRequest } from 'next/server'
import { assertUserId, InvalidUserIdError, parseDuration, UnsupportedAdminActionError, UserNotFoundError } from 'distributed-validation-cache'
import { runtime } from '@/lib/runtime'

type Context = { params: Promise<{ id: string; action: string }> }
const ACTIONS = ['ban', 'unban', 'delete', 'restore', 'revoke'] as const

/**
 * POST /api/admin/users/{id}/{ban|unban|delete|restore|revoke}. Each writes the user store
 * first, then updates the fleet: ban/unban/delete/restore re-read the user (refresh), revoke
 * persists sessions_revoked_at and ends every earlier session. Admins only.
 */
export async function POST(request: NextRequest, context: Context) {
  const { id, action } = await context.params
  const rt = await runtime()
  const token = await getToken({ req: request, secret: rt.secret })
  if (!token?.sub) return Response.json({ error: 'unauthenticated' }, { status: 401 })
  if (token.role !== 'admin') return Response.json({ error: 'forbidden', reason: 'admin role required (raw_app_meta_data.role = "admin")' }, { status: 403 })
  if (!(ACTIONS as readonly string[]).includes(action)) return Response.json({ error: 'not_found', reason: `unknown action; use one of ${ACTIONS.join(', ')}` }, { status: 404 })
  try {
    assertUserId(id, true) // before the user store sees it
    switch (action as (typeof ACTIONS)[number]) {
      case 'ban': {
        const until = await banEnd(request)
        if (typeof until === 'string') return Response.json({ error: 'bad_request', reason: until }, { status: 400 })
        await rt.admin.ban(id, until)
        return Response.json({ action, bannedUntil: until.toISOString(), ...(await rt.cache.refresh(id)) })
      }
      case 'unban':
        await rt.admin.unban(id)
        return Response.json({ action, ...(await rt.cache.refresh(id)) })
      case 'delete':
        await rt.admin.softDelete(id)
        return Response.json({ action, ...(await rt.cache.refresh(id)) })
      case 'restore':
        await rt.admin.restore(id)
        return Response.json({ action, ...(await rt.cache.restore(id)) })
      case 'revoke':
        return Response.json({ action, ...(await rt.cache.revoke(id)) })
    }
  } catch (error) {
    if (error instanceof InvalidUserIdError) return Response.json({ error: 'bad_request', reason: error.message }, { status: 400 })
    if (error instanceof UserNotFoundError || (error as { name?: string }).name === 'RevocationError') return Response.json({ error: 'not_found', reason: 'no such user' }, { status: 404 })
    if (error instanceof UnsupportedAdminActionError) return Response.json({ error: 'unsupported', reason: error.message }, { status: 409 })
    throw error
  }
}

/** `{"until": ISO}` or `{"duration": "24h"}`; a string is the reason it is not acceptable. */
async function banEnd(request: Request): Promise<Date | string> {
  let body: { until?: unknown; duration?: unknown }
  try {
    body = (await request.json()) as typeof body
  } catch {
    return 'body must be JSON: {"until": "<ISO date>"} or {"duration": "24h"}'
  }
  if (typeof body?.until === 'string') {
    const until = new Date(body.until)
    return Number.isFinite(until.getTime()) && until.getTime() > Date.now() ? until : '"until" must be an ISO date in the future'
  }
  const ms = parseDuration(body?.duration)
  return ms !== undefined && ms > 0 ? new Date(Date.now() + ms) : '"duration" must be a duration like "24h", "30 m" or "3600" (seconds)'
}
