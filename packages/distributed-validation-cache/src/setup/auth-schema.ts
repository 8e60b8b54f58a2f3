import type { SqlRunner } from '../sources/sql-source.js'

/** Marks the table as ours, so setup never alters a table it did not create. */
const MARKER = 'distributed-validation-cache: subset of Supabase auth.users'

/**
 * The columns of Supabase's `auth.users` this project uses, with Supabase's names, types and
 * defaults, for databases that are not Supabase (local Postgres, PGlite). Idempotent.
 */
const DDL = [
  'create schema if not exists auth',
  `create table if not exists auth.users (
    instance_id uuid,
    id uuid primary key default gen_random_uuid(),
    aud varchar(255) default 'authenticated',
    role varchar(255) default 'authenticated',
    email varchar(255),
    encrypted_password varchar(255),
    email_confirmed_at timestamptz,
    last_sign_in_at timestamptz,
    raw_app_meta_data jsonb default '{}'::jsonb,
    raw_user_meta_data jsonb default '{}'::jsonb,
    banned_until timestamptz,
    deleted_at timestamptz,
    is_anonymous boolean not null default false,
    created_at timestamptz default now(),
    updated_at timestamptz default now()
  )`,
  `create unique index if not exists users_email_key on auth.users (lower(email)) where deleted_at is null`,
  `comment on table auth.users is '${MARKER}'`,
]

export class ForeignSchemaError extends Error {
  override name = 'ForeignSchemaError'
}

/**
 * Creates the auth.users subset, or leaves ours as it is. Refuses to touch an auth.users it did
 * not create — Supabase's own above all: the sources read that one as it is, no setup needed.
 */
export async function migrateAuthSchema(run: SqlRunner): Promise<'created' | 'up-to-date'> {
  // to_regclass, not ::regclass: the cast fails at plan time when the schema does not exist yet.
  const [existing] = await run(
    `select obj_description(to_regclass('auth.users'), 'pg_class') as comment
    where to_regclass('auth.users') is not null`,
    [],
  )
  if (existing) {
    if (existing.comment === MARKER) return 'up-to-date'
    throw new ForeignSchemaError(
      "auth.users already exists and was not created by this setup (Supabase's own?). Refusing to alter it: " +
        "the postgres source reads Supabase's table as it is — skip db:setup for this database.",
    )
  }
  for (const statement of DDL) await run(statement, [])
  return 'created'
}
