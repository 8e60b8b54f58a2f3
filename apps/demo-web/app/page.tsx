import { getServerSession } from 'next-auth'
import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { VERDICT_HEADER } from 'distributed-validation-cache/next'
import { runtime } from '@/lib/runtime'

export const dynamic = 'force-dynamic'

export default async function Home() {
  const rt = await runtime()
  const session = await getServerSession(rt.authOptions)
  const user = session?.user as { id?: string; email?: string; role?: string | null } | undefined
  if (!user?.id) redirect('/login')
  // The proxy validated this request already; showing its verdict costs no second validation.
  const verdict = (await headers()).get(VERDICT_HEADER) ?? 'active'
  return (
    <main>
      <h1>Signed in</h1>
      <dl>
        <dt>User</dt><dd data-testid="email">{user.email}</dd>
        <dt>Verdict</dt><dd data-testid="verdict">{verdict}</dd>
        <dt>Served by</dt><dd data-testid="instance">{rt.instance}</dd>
      </dl>
      {user.role === 'admin' && <p><a href="/admin">Users</a> · <a href="/observability">Observability</a></p>}
    </main>
  )
}
