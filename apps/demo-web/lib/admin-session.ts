import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { validatedSession } from 'distributed-validation-cache/next'
import { runtime } from './runtime'

/**
 * For admin pages: the signed-in admin, or a redirect (to /login, or home for non-admins). The
 * role is the one cached with the user's state (see adminOf), and the proxy's sealed verdict
 * spares a second validation.
 */
export async function requireAdmin() {
  const rt = await runtime()
  const session = await validatedSession({ headers: await headers() }, rt.cache, { secret: rt.secret })
  if (!session?.result.valid) redirect('/login')
  if (session.result.role !== 'admin') redirect('/')
  return { rt, admin: session.token.sub }
}
