import bcrypt from 'bcryptjs'
import { createClient } from '@supabase/supabase-js'
import WebSocket from 'ws'
import type { SqlRunner } from '../sources/sql-source.js'

export interface SignedInUser {
  id: string
  email: string
  /** raw_app_meta_data.role: Supabase's place for roles users cannot edit. */
  role: string | null
}

type Credentials = Record<string, string> | undefined

/**
 * A Credentials `authorize` over auth.users in Postgres/PGlite: bcrypt check against
 * encrypted_password, refusing banned, deleted and unconfirmed users (as Supabase Auth does).
 */
export function authorizeWithPostgres(run: SqlRunner) {
  return async (credentials: Credentials): Promise<SignedInUser | null> => {
    const email = credentials?.email?.trim()
    const password = credentials?.password
    if (!email || !password || email.length > 320 || password.length > 1_000) return null
    const [row] = await run(`select id, email, encrypted_password, raw_app_meta_data ->> 'role' as role from auth.users
      where lower(email) = lower($1) and deleted_at is null and email_confirmed_at is not null
        and (banned_until is null or banned_until <= now())`, [email])
    // Compare even without a row, so response time does not reveal which emails exist.
    const hash = typeof row?.encrypted_password === 'string' ? row.encrypted_password : DUMMY_HASH_OF()
    if (!(await bcrypt.compare(password, hash)) || !row) return null
    return { id: String(row.id), email: String(row.email), role: (row.role as string | null) ?? null }
  }
}

// Computed on first use, not at import: hashing costs ~80 ms.
let dummyHash: string | undefined
const DUMMY_HASH_OF = () => (dummyHash ??= bcrypt.hashSync('not-a-password', 10))

/** A Credentials `authorize` through Supabase Auth's password sign-in (anon key). */
export function authorizeWithSupabase(options: { url: string; anonKey: string }) {
  const client = createClient(options.url, options.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: WebSocket as never },
    global: { fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.timeout(5_000) }) },
  })
  return async (credentials: Credentials): Promise<SignedInUser | null> => {
    const email = credentials?.email?.trim()
    const password = credentials?.password
    if (!email || !password) return null
    const { data, error } = await client.auth.signInWithPassword({ email, password })
    if (error || !data.user) return null // wrong password, banned ("user_banned") or unconfirmed
    return { id: data.user.id, email: data.user.email ?? email, role: (data.user.app_metadata?.role as string | undefined) ?? null }
  }
}
