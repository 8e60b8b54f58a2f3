import bcrypt from 'bcryptjs'
import type { SqlRunner } from '../sources/sql-source.js'

export interface DemoUser {
  id: string
  email: string
  password: string
  note: string
  appMetadata: Record<string, unknown>
  bannedForMs?: number
  deleted?: boolean
}

/** Fixed ids and passwords, so the demo and its docs stay in step. Never use them in production. */
export const DEMO_USERS: readonly DemoUser[] = [
  {
    id: '00000000-0000-4000-8000-00000000a11c',
    email: 'alice@example.com',
    password: 'alice-demo-password',
    note: 'admin',
    appMetadata: { role: 'admin' },
  },
  {
    id: '00000000-0000-4000-8000-000000000b0b',
    email: 'bob@example.com',
    password: 'bob-demo-password',
    note: 'user',
    appMetadata: {},
  },
  {
    id: '00000000-0000-4000-8000-00000000ca51',
    email: 'carol@example.com',
    password: 'carol-demo-password',
    note: 'banned for 24 h',
    appMetadata: {},
    bannedForMs: 86_400_000,
  },
  {
    id: '00000000-0000-4000-8000-00000000da1e',
    email: 'dave@example.com',
    password: 'dave-demo-password',
    note: 'soft-deleted',
    appMetadata: {},
    deleted: true,
  },
]

/**
 * Inserts the demo users unless they exist. Passwords are bcrypt hashes in encrypted_password,
 * as Supabase stores them (pgcrypto writes $2a$, bcryptjs $2b$; both verify the same).
 * JSON goes in as `$n::text::jsonb`: postgres.js would JSON-encode a string bound to jsonb again.
 */
export async function seedDemoUsers(run: SqlRunner, users: readonly DemoUser[] = DEMO_USERS): Promise<number> {
  let inserted = 0
  for (const user of users) {
    const rows = await run(
      `insert into auth.users
        (id, email, encrypted_password, email_confirmed_at, raw_app_meta_data, banned_until, deleted_at)
      values ($1::uuid, $2, $3, now(), $4::text::jsonb,
        case when $5::bigint is null then null else now() + make_interval(secs => $5::bigint / 1000.0) end,
        case when $6::boolean then now() end)
      on conflict (id) do nothing returning id`,
      [
        user.id,
        user.email,
        bcrypt.hashSync(user.password, 10),
        JSON.stringify({ provider: 'email', providers: ['email'], ...user.appMetadata }),
        user.bannedForMs ?? null,
        user.deleted ?? false,
      ],
    )
    inserted += rows.length
  }
  return inserted
}
