import { LoginForm } from './login-form'

export default function LoginPage() {
  return (
    <main>
      <h1>Sign in</h1>
      <LoginForm />
      <p style={{ color: '#666' }}>Demo users: alice@example.com (admin), bob@example.com — password: &lt;name&gt;-demo-password.</p>
    </main>
  )
}
