import { requireAdmin } from '@/lib/admin-session'
import { UserActions } from './user-actions'
import { AutoRefresh } from '../components/auto-refresh'

export const dynamic = 'force-dynamic'

/** Users with the verdict the cache gives them right now; actions take effect fleet-wide. */
export default async function AdminPage() {
  const { rt } = await requireAdmin()
  const users = await rt.admin.list()
  // record: false — an admin looking is not users signing in; it must not move the metrics.
  const verdicts = await Promise.all(
    users.map((u) =>
      rt.cache.validate(u.id, { issuedAt: Date.now(), record: false }).then(
        (r) => r.verdict,
        () => 'invalid id',
      ),
    ),
  )
  return (
    <main>
      <AutoRefresh everyMs={2_000} />
      <h1>Users</h1>
      <p>
        <a href="/">Home</a> · <a href="/observability">Observability</a> · served by {rt.instance}
      </p>
      <table style={{ borderCollapse: 'collapse', width: '100%' }}>
        <thead>
          <tr>
            {['Email', 'Role', 'Verdict', 'Banned until', 'Sessions revoked at', 'Actions'].map((h) => (
              <th key={h} style={{ textAlign: 'left', borderBottom: '1px solid #ccc' }}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {users.map((u, i) => (
            <tr key={u.id} data-email={u.email ?? ''}>
              <td>{u.email}</td>
              <td>{u.role ?? 'user'}</td>
              <td data-testid="verdict" style={{ color: verdicts[i] === 'active' ? 'green' : 'crimson' }}>
                {verdicts[i]}
              </td>
              <td>{bannedUntil(u.bannedUntil)}</td>
              <td data-testid="revoked-at">
                {u.sessionsRevokedAt ? new Date(u.sessionsRevokedAt).toLocaleString('en-GB') : '—'}
              </td>
              <td>
                <UserActions id={u.id} deleted={u.deletedAt !== null} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  )
}

function bannedUntil(value: string | null): string {
  if (value === 'infinity') return 'permanently'
  return value && Date.parse(value) > Date.now() ? new Date(value).toLocaleString('en-GB') : '—'
}
