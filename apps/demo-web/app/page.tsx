import { getServerSession } from 'next-auth'
import { redirect } from 'next/navigation'
import { runtime } from '@/lib/runtime'

export const dynamic = 'force-dynamic'

export default async function Home() {
  const rt = await runtime()
  const session = await getServerSession(rt.authOptions)
  const user = session?.user as { id?: string; email?: string; role?: string | null } | undefined
  if (!user?.id) redirect('/login')
  const result = await rt.cache.validate(user.id, { issuedAt: Date.now() })
  return (
    <main>
      <h1>Signed in</h1>
      <dl>
        <dt>User</dt><dd data-testid="email">{user.email}</dd>
        <dt>Verdict</dt><dd data-testid="verdict">{result.verdict} ({result.tier}: {result.reason})</dd>
        <dt>Served by</dt><dd data-testid="instance">{rt.instance}</dd>
      </dl>
      {user.role === 'admin' && <p><a href="/admin">Users</a> · <a href="/observability">Observability</a></p>}
    </main>
  )
}
