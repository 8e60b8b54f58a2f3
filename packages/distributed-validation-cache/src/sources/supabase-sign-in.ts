import { supabaseClient } from './supabase-client.js'
import { type Credentials, loginFields, type SignedInUser } from './signed-in-user.js'

/** A Credentials `authorize` through Supabase Auth's password sign-in (anon key). */
export function authorizeWithSupabase(options: { url: string; anonKey: string }) {
  const client = supabaseClient(options.url, options.anonKey, 5_000)
  return async (credentials: Credentials): Promise<SignedInUser | null> => {
    const login = loginFields(credentials)
    if (!login) return null
    const { data, error } = await client.auth.signInWithPassword(login)
    if (error || !data.user) return null // wrong password, banned ("user_banned") or unconfirmed
    return {
      id: data.user.id,
      email: data.user.email ?? login.email,
      role: (data.user.app_metadata?.role as string | undefined) ?? null,
    }
  }
}
