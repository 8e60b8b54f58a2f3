'use client'

import { signIn } from 'next-auth/react'
import { useRouter } from 'next/navigation'
import { useState, type FormEvent } from 'react'

// next-auth's error codes: authorize() said no, or our signIn callback (the cache) refused the user.
const MESSAGES: Record<string, string> = {
  CredentialsSignin: 'Wrong email or password, or the account is banned or deleted.',
  AccessDenied: 'This account may not sign in: it is banned or deleted.',
}

export function LoginForm() {
  const router = useRouter()
  const [error, setError] = useState<string | null>(null)
  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    const result = await signIn('credentials', {
      email: form.get('email'),
      password: form.get('password'),
      redirect: false,
    })
    if (result?.ok && !result.error) router.push('/')
    else setError(MESSAGES[result?.error ?? ''] ?? 'Sign-in failed; please try again.')
  }
  return (
    <form onSubmit={submit} style={{ display: 'grid', gap: '0.5rem', maxWidth: 320 }}>
      <input name="email" type="email" placeholder="email" required autoComplete="username" />
      <input name="password" type="password" placeholder="password" required autoComplete="current-password" />
      <button type="submit">Sign in</button>
      {error && (
        <p role="alert" style={{ color: 'crimson' }}>
          {error}
        </p>
      )}
    </form>
  )
}
