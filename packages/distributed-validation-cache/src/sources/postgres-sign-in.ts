import bcrypt from 'bcryptjs'
import { type Credentials, loginFields, type SignedInUser } from './signed-in-user.js'
import type { SqlRunner } from './sql-source.js'

/**
 * A Credentials `authorize` over auth.users in Postgres/PGlite: bcrypt check against
 * encrypted_password, refusing banned, deleted and unconfirmed users (as Supabase Auth does).
 */
export function authorizeWithPostgres(run: SqlRunner) {
  return async (credentials: Credentials): Promise<SignedInUser | null> => {
    const login = loginFields(credentials)
    if (!login) return null
    const { email, password } = login
    const [row] = await run(
      `select id, email, encrypted_password, raw_app_meta_data ->> 'role' as role from auth.users
      where lower(email) = lower($1) and deleted_at is null and email_confirmed_at is not null
        and (banned_until is null or banned_until <= now())`,
      [email],
    )
    // Compare even without a row, so response time does not reveal which emails exist.
    const hash = typeof row?.encrypted_password === 'string' ? row.encrypted_password : DUMMY_HASH_OF()
    if (!(await bcrypt.compare(password, hash)) || !row) return null
    return { id: String(row.id), email: String(row.email), role: (row.role as string | null) ?? null }
  }
}

// Computed on first use, not at import: hashing costs ~80 ms.
let dummyHash: string | undefined
const DUMMY_HASH_OF = () => (dummyHash ??= bcrypt.hashSync('not-a-password', 10))
