import { runtime } from '@/lib/runtime'
import { LoginForm } from './login-form'

export const dynamic = 'force-dynamic'

export default async function LoginPage() {
  const { config } = await runtime()
  return (
    <main>
      <h1>Sign in</h1>
      <LoginForm />
      {config.userSource.provider === 'pglite' && (
        <p style={{ color: '#666' }}>
          Embedded demo users: alice@example.com (admin), bob@example.com — password: &lt;name&gt;-demo-password.
        </p>
      )}
    </main>
  )
}
