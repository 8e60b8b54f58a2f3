import type { NextRequest } from 'next/server'
import {
  ADMIN_ACTIONS,
  assertUserId,
  InvalidUserIdError,
  RevocationError,
  runAdminAction,
  UnsupportedAdminActionError,
  UserNotFoundError,
  type AdminAction,
} from 'distributed-validation-cache'
import { refusedAsCrossSite } from 'distributed-validation-cache/next'
import { adminInput } from '@/lib/admin-input'
import { adminOf, runtime } from '@/lib/runtime'

type Context = { params: Promise<{ id: string; action: string }> }

/**
 * POST /api/admin/users/{id}/{ban|unban|delete|undelete|revoke|role}: the user source first, then the
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
      ? Response.json(
          { error: 'forbidden', reason: 'admin role required (raw_app_meta_data.role = "admin")' },
          { status: 403 },
        )
      : Response.json({ error: 'unauthenticated' }, { status: 401 })
  }
  if (!(ADMIN_ACTIONS as readonly string[]).includes(action))
    return Response.json(
      { error: 'not_found', reason: `unknown action; use one of ${ADMIN_ACTIONS.join(', ')}` },
      { status: 404 },
    )
  try {
    assertUserId(id, true) // before the user source sees it
    const input = await adminInput(request, action as AdminAction)
    if (typeof input === 'string') return Response.json({ error: 'bad_request', reason: input }, { status: 400 })
    // Again, now that the body is in: the admin may have been demoted or banned while it arrived.
    if (!(await adminOf(request, { fresh: true })))
      return Response.json({ error: 'forbidden', reason: 'admin role required' }, { status: 403 })
    return Response.json(await runAdminAction(rt, id, action as AdminAction, input))
  } catch (error) {
    if (error instanceof InvalidUserIdError)
      return Response.json({ error: 'bad_request', reason: error.message }, { status: 400 })
    const cause = error instanceof RevocationError ? error.cause : error
    if (cause instanceof UserNotFoundError)
      return Response.json({ error: 'not_found', reason: 'no such user' }, { status: 404 })
    if (error instanceof UnsupportedAdminActionError)
      return Response.json({ error: 'unsupported', reason: error.message }, { status: 409 })
    if (error instanceof RevocationError)
      return Response.json(
        { error: 'unavailable', reason: error.message },
        { status: 503, headers: { 'retry-after': '5' } },
      )
    throw error
  }
}
