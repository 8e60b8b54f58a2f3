import { getServerSession } from 'next-auth'
import { redirect } from 'next/navigation'
import { runtime } from './runtime'

/** For admin pages: the signed-in admin, or a redirect (to /login, or home for non-admins). */
export async function requireAdmin() {
  const rt = await runtime()
  const session = await getServerSession(rt.authOptions)
  const user = session?.user as { id?: string; email?: string; role?: string | null } | undefined
  if (!user?.id) redirect('/login')
  if ((await rt.admin.roleOf(user.id)) !== 'admin') redirect('/') // the store's word, not the token's
  return { rt, user }
}
