import { requireAdmin } from '@/lib/admin-session'
import { Dashboard } from './dashboard'

export const dynamic = 'force-dynamic'

export default async function ObservabilityPage() {
  await requireAdmin()
  return (
    <main>
      <h1>Observability</h1>
      <p>
        <a href="/">Home</a> · <a href="/admin">Users</a>
      </p>
      <Dashboard />
    </main>
  )
}
