import { headers } from 'next/headers'
import { redirect } from 'next/navigation'
import { validatedSession } from 'distributed-validation-cache/next'
import { runtime } from '@/lib/runtime'

export const dynamic = 'force-dynamic'

export default async function Home() {
  const rt = await runtime()
  // The proxy's verdict, sealed for this session token: no second validation on this page.
  const session = await validatedSession({ headers: await headers() }, rt.cache, { secret: rt.secret })
  if (!session?.result.valid) redirect('/login')
  const { token, result } = session
  return (
    <main>
      <h1>Signed in</h1>
      <dl>
        <dt>User</dt>
        <dd data-testid="email">{token.email}</dd>
        <dt>Verdict</dt>
        <dd data-testid="verdict">{result.verdict}</dd>
        <dt>Served by</dt>
        <dd data-testid="instance">{rt.instance}</dd>
      </dl>
      {result.role === 'admin' && (
        <p>
          <a href="/admin">Users</a> · <a href="/observability">Observability</a>
        </p>
      )}
    </main>
  )
}
