/** Who a Credentials `authorize` signed in: what the session carries. */
export interface SignedInUser {
  id: string
  email: string
  /** raw_app_meta_data.role: Supabase's place for roles users cannot edit. */
  role: string | null
}

/**
 * What a Credentials `authorize` is handed: the login form's fields — strings from next-auth v4,
 * `unknown` values from Auth.js v5, whatever a client posted either way.
 */
export type Credentials = Partial<Record<string, unknown>> | undefined

/** The email and password of a login, or null when either is missing, not a string, or absurdly long. */
export function loginFields(credentials: Credentials): { email: string; password: string } | null {
  const email = typeof credentials?.email === 'string' ? credentials.email.trim() : ''
  const password = typeof credentials?.password === 'string' ? credentials.password : ''
  if (!email || !password || email.length > 320 || password.length > 1_000) return null
  return { email, password }
}
