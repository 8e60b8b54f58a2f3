import type { SqlRunner } from '../../src/sources/sql-source.js'

/**
 * pg_net and Supabase Vault cannot be installed here: stand-ins with their signatures, in their
 * schemas, that record each request instead of sending it (the test sends it, to a real webhook).
 */
export const SUPABASE_STAND_INS = [
  'create schema net',
  `create table net.recorded (id bigserial primary key, url text, body jsonb, headers jsonb, at timestamptz default now())`,
  // What pg_net's worker writes once it has sent a request: the app's answer.
  'create table net._http_response (id bigint primary key, status_code integer, error_msg text)',
  `create function net.http_post(url text, body jsonb default '{}', params jsonb default '{}',
    headers jsonb default '{"Content-Type": "application/json"}', timeout_milliseconds integer default 5000)
    returns bigint language sql as $$ insert into net.recorded (url, body, headers) values (url, body, headers) returning id $$`,
  'create schema vault',
  `create table vault.secrets (id uuid primary key default gen_random_uuid(), name text unique, secret text)`,
  `create view vault.decrypted_secrets as select id, name, secret as decrypted_secret from vault.secrets`,
  `create function vault.create_secret(new_secret text, new_name text default null, new_description text default '',
    new_key_id uuid default null) returns uuid language sql as
    $$ insert into vault.secrets (name, secret) values (new_name, new_secret) returning id $$`,
  `create function vault.update_secret(secret_id uuid, new_secret text default null, new_name text default null,
    new_description text default null, new_key_id uuid default null) returns void language sql as
    $$ update vault.secrets set secret = coalesce(new_secret, secret) where id = secret_id $$`,
]

/**
 * pg_net's background worker, stood in for: sends each recorded request, as recorded, and writes
 * the answer to net._http_response, until stopped.
 */
export function pgNetWorker(run: SqlRunner): { stop: () => Promise<void> } {
  let running = true
  const loop = (async () => {
    while (running) {
      const pending = await run(
        'select r.id, r.url, r.body, r.headers from net.recorded r left join net._http_response a on a.id = r.id where a.id is null',
        [],
      )
      for (const request of pending) {
        const response = await fetch(String(request.url), {
          method: 'POST',
          headers: request.headers as Record<string, string>,
          body: JSON.stringify(request.body),
        }).catch((error: Error) => error)
        const [status, error] = response instanceof Error ? [null, response.message] : [response.status, null]
        await run('insert into net._http_response (id, status_code, error_msg) values ($1, $2, $3)', [
          request.id,
          status,
          error,
        ])
      }
      await new Promise((resolve) => setTimeout(resolve, 50)) // the worker's own polling, as pg_net's
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
    },
  }
}
