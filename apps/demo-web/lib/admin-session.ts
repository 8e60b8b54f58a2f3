import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { validatedSession } from 'distributed-validation-cache/next'
import { runtime } from './runtime'

/**
 * The id of the admin whose valid session the request carries, or null. The role is the user
 * source's (raw_app_meta_data.role), cached with the user's state — not the token's claim — so a
 * demotion through the admin API (or the webhook) takes effect on every instance at once.
 */
export async function adminOf(request: Request | { headers: Headers }, { fresh = false } = {}): Promise<string | null> {
  const rt = await runtime()
  const session = await validatedSession(request, rt.cache, { secret: rt.secret, fresh })
  const { valid, role, tier } = session?.result ?? {}
  // fresh (an action): validated now, and never on a stale role kept while the user source is down.
  return valid && role === 'admin' && !(fresh && tier === 'stale') ? session!.token.sub : null
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
  return { rt, admin: session.token.sub }
}
