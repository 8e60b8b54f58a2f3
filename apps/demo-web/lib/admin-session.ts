import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { validatedSession } from 'distributed-validation-cache/next'
import { type Runtime, runtime } from './runtime'

/** The user store did not answer when it was asked to confirm an admin's role: the action is not run. */
export class RoleUnconfirmedError extends Error {
  override name = 'RoleUnconfirmedError'
}

/**
 * The id of the admin whose valid session the request carries, or null. The role is the user
 * source's (raw_app_meta_data.role), cached with the user's state — not the token's claim — so a
 * demotion through the admin API (or the webhook) takes effect on every instance at once.
 *
 * An action (`fresh`) is never run on a role only the shared store vouches for: a Redis writer
 * without the secret can write back a saved entry of a demoted admin (SECURITY.md), so a role
 * that did not come from the user store in this very validation is confirmed there — one query
 * per admin action. A page trusts the cached role while the instance is proven current, and
 * confirms it the same way while it is not (a new instance, one that lost the fleet).
 */
export async function adminOf(request: Request | { headers: Headers }, { fresh = false } = {}): Promise<string | null> {
  const rt = await runtime()
  const session = await validatedSession(request, rt.cache, { secret: rt.secret, fresh })
  const { valid, role, tier } = session?.result ?? {}
  // fresh (an action): validated now, and never on a stale role kept while the user source is down.
  if (!valid || role !== 'admin' || (fresh && tier === 'stale')) return null
  return (await roleStands(rt, session!.token.sub, tier!, fresh)) ? session!.token.sub : null
}

/**
 * Whether a cached admin role stands: read from the user store in this very validation, or — for a
 * page, not an action — on an instance proven current; otherwise the user store is asked now.
 */
async function roleStands(rt: Runtime, id: string, tier: string, action: boolean): Promise<boolean> {
  if (tier === 'source' || (!action && rt.cache.stats().liveness.proven)) return true
  try {
    return (await rt.admin.roleOf(id)) === 'admin'
  } catch (error) {
    throw new RoleUnconfirmedError(`the user store could not confirm the admin role: ${String(error)}`, {
      cause: error,
    })
  }
}

export const isAdmin = async (request: Request) => (await adminOf(request)) !== null

/**
 * For admin pages: the signed-in admin, or a redirect (to /login, or home for non-admins). The
 * proxy's sealed verdict spares a second validation.
 */
export async function requireAdmin() {
  const rt = await runtime()
  const session = await validatedSession({ headers: await headers() }, rt.cache, { secret: rt.secret })
  if (!session?.result.valid) redirect('/login')
  if (session.result.role !== 'admin') redirect('/')
  if (!(await roleStands(rt, session.token.sub, session.result.tier, false))) redirect('/')
  return { rt, admin: session.token.sub }
}
