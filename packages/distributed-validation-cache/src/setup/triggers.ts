import { REVOKED_AT_KEY } from '../sources/auth-user.js'
import type { SqlRunner } from '../sources/sql-source.js'
import { userChangeChannel } from '../tiers/keys.js'

export { userChangeChannel }

/**
 * The trigger on `auth.users` that makes every ban path an event: a ban, unban, soft or hard
 * delete, or an `app_metadata` change (role, revocation time) made anywhere — the Supabase
 * dashboard, its admin API, plain SQL — is heard by the fleet within a second:
 * - `pg_notify(<prefix>user_changed, <user id>)`, on any Postgres, for instances that LISTEN;
 * - `net.http_post` (pg_net) to the app's webhook, where Supabase Vault holds `dvc_webhook_url`
 *   and `dvc_webhook_secret` (read at fire time: the secret is in no function body and no log),
 *   with the payload shape of Supabase's Database Webhooks, ids only — for serverless apps.
 * Each path fails alone and is counted in dvc.trigger_failures: never the user's UPDATE/DELETE.
 * Each change is also kept an hour in dvc.user_changes, so an instance whose LISTEN was down
 * (a restart, a reconnect) reads what it missed instead of serving a state from before it.
 * Everything lives in the `dvc` schema; nothing is created in Supabase's `auth` schema.
 */
export const TRIGGER_VERSION = 2
const MARK = `distributed-validation-cache triggers v${TRIGGER_VERSION}`

const literal = (text: string) => `'${text.replace(/'/g, "''")}'`

/**
 * The install, statement by statement (a driver's extended protocol takes one at a time).
 * Idempotent: run again, or over an older version, it converges.
 */
export function installTriggerStatements(prefix: string): string[] {
  const channel = literal(userChangeChannel(prefix))
  return [
    'create schema if not exists dvc',
    `comment on schema dvc is ${literal('distributed-validation-cache: the auth.users change trigger')}`,
    `create table if not exists dvc.trigger_failures (
  path text primary key,
  count bigint not null default 0,
  last_error text,
  last_at timestamptz
)`,
    `create table if not exists dvc.user_changes (
  user_id uuid not null,
  changed_at timestamptz not null default clock_timestamp()
)`,
    'create index if not exists user_changes_changed_at on dvc.user_changes (changed_at)',
    // lock_timeout: a second failure waiting on the first one's row lock gives up (and is caught) at once.
    `create or replace function dvc.count_failure(failed_path text, error text) returns void
language plpgsql security definer set search_path = '' set lock_timeout = '50ms' as $fn$
begin
  insert into dvc.trigger_failures as f (path, count, last_error, last_at)
    values (failed_path, 1, left(error, 200), now())
    on conflict (path) do update set count = f.count + 1, last_error = excluded.last_error, last_at = now();
exception when others then
  null; -- counting must not fail the user's statement either
end $fn$`,
    `create or replace function dvc.user_changed() returns trigger
language plpgsql security definer set search_path = '' as $fn$
declare
  subject text := (case when tg_op = 'DELETE' then old.id else new.id end)::text;
  secret_of constant text := 'select decrypted_secret from vault.decrypted_secrets where name = $1';
  hook_url text;
  hook_secret text;
begin
  begin
    perform pg_notify(tg_argv[0], subject); -- delivered at commit: a rolled-back change says nothing
  exception when others then
    perform dvc.count_failure('notify', sqlstate || ' ' || sqlerrm);
  end;
  begin
    insert into dvc.user_changes (user_id) values (subject::uuid);
    if random() < 0.01 then -- now and then, a bounded prune: never a long delete in the user's statement
      delete from dvc.user_changes where ctid in (
        select ctid from dvc.user_changes where changed_at < clock_timestamp() - interval '1 hour' limit 100);
    end if;
  exception when others then
    perform dvc.count_failure('log', sqlstate || ' ' || sqlerrm);
  end;
  if to_regclass('vault.decrypted_secrets') is not null then
    begin
      execute secret_of into hook_url using 'dvc_webhook_url';
      if hook_url is not null then
        execute secret_of into hook_secret using 'dvc_webhook_secret';
        execute 'select net.http_post(url := $1, body := $2, headers := $3)' using
          hook_url,
          jsonb_build_object('type', tg_op, 'table', tg_table_name, 'schema', tg_table_schema,
            'record', case when tg_op = 'DELETE' then null else jsonb_build_object('id', subject) end,
            'old_record', jsonb_build_object('id', subject)),
          jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || hook_secret);
      end if;
    exception when others then
      perform dvc.count_failure('webhook', sqlstate || ' ' || sqlerrm);
    end;
  end if;
  return null;
end $fn$`,
    `comment on function dvc.user_changed() is ${literal(MARK)}`,
    // `or replace` (Postgres 14+, as on Supabase): no moment without a trigger while it is reinstalled.
    // Only when a column that decides access changed: an UPDATE of last_sign_in_at sends nothing.
    `create or replace trigger dvc_user_changed
  after update of banned_until, deleted_at, raw_app_meta_data on auth.users
  for each row when (
    old.banned_until is distinct from new.banned_until or old.deleted_at is distinct from new.deleted_at
    or old.raw_app_meta_data is distinct from new.raw_app_meta_data
  )
  execute function dvc.user_changed(${channel})`,
    `create or replace trigger dvc_user_deleted after delete on auth.users
  for each row execute function dvc.user_changed(${channel})`,
  ]
}

/**
 * The install as one script, to paste into the Supabase SQL editor or add to supabase/migrations/
 * (`sql/dvc-triggers.sql` in the package is this for the default prefix).
 */
export function installTriggersSql(prefix: string): string {
  const head = `-- ${MARK} (prefix ${prefix}): bans made outside the app reach the fleet within a second.\n`
  return `${head}${installTriggerStatements(prefix).join(';\n\n')};\n`
}

/**
 * Opt-in (`--global-sign-out`): a sign-out from every Supabase session ends the user's sessions
 * here too, by setting the revocation time — which the trigger above then tells the fleet. It
 * fires when a DELETE on auth.sessions removed a session still live (`not_after` unset or ahead)
 * and left the user none: a global sign-out, or the sign-out of one's only session. GoTrue's own
 * cleanup deletes only sessions expired for days (`not_after` long past), so it never fires it.
 */
export const GLOBAL_SIGN_OUT_STATEMENTS = [
  `create or replace function dvc.sessions_ended() returns trigger
language plpgsql security definer set search_path = '' as $fn$
begin
  begin
    update auth.users u
      set raw_app_meta_data = coalesce(u.raw_app_meta_data, '{}'::jsonb) || jsonb_build_object('${REVOKED_AT_KEY}',
        to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
      where u.id in (select e.user_id from ended e where e.not_after is null or e.not_after > now())
        and not exists (
          select from auth.sessions s where s.user_id = u.id and (s.not_after is null or s.not_after > now()));
  exception when others then
    perform dvc.count_failure('sign-out', sqlstate || ' ' || sqlerrm);
  end;
  return null;
end $fn$`,
  `create or replace trigger dvc_sessions_ended after delete on auth.sessions
  referencing old table as ended for each statement execute function dvc.sessions_ended()`,
]

/** Removes exactly what the install added (the webhook's Vault secrets are the user's: kept). */
export const UNINSTALL_TRIGGER_STATEMENTS = [
  `do $$ begin
    if to_regclass('auth.sessions') is not null then drop trigger if exists dvc_sessions_ended on auth.sessions; end if;
  end $$`,
  'drop function if exists dvc.sessions_ended()',
  'drop trigger if exists dvc_user_changed on auth.users',
  'drop trigger if exists dvc_user_deleted on auth.users',
  'drop function if exists dvc.user_changed()',
  'drop function if exists dvc.count_failure(text, text)',
  'drop table if exists dvc.trigger_failures',
  'drop table if exists dvc.user_changes',
  'drop schema if exists dvc', // not cascade: anything else put there stays, and says so
]

export interface TriggerStatus {
  /** Both triggers exist and call our function. */
  installed: boolean
  /** The version the installed function says it is; null when none is. */
  version: number | null
  /** The NOTIFY channel the triggers were installed with. */
  channel: string | null
  /** Notifications the trigger could not send, by path, since the install. */
  failures: { path: 'notify' | 'webhook' | 'log' | 'sign-out'; count: number; lastError: string | null }[]
  /** The opt-in trigger on auth.sessions is installed: a global sign-out in Supabase revokes here too. */
  globalSignOut: boolean
}

export async function installTriggers(run: SqlRunner, prefix: string, { globalSignOut = false } = {}): Promise<void> {
  for (const statement of installTriggerStatements(prefix)) await run(statement, [])
  if (!globalSignOut) return
  const [sessions] = await run(`select to_regclass('auth.sessions') is not null as present`, [])
  if (!sessions?.present) throw new Error('--global-sign-out needs auth.sessions (Supabase Auth): there is none here')
  for (const statement of GLOBAL_SIGN_OUT_STATEMENTS) await run(statement, [])
}

export async function uninstallTriggers(run: SqlRunner): Promise<void> {
  for (const statement of UNINSTALL_TRIGGER_STATEMENTS) await run(statement, [])
}

/** What is installed, read from the catalog. */
export async function triggerStatus(run: SqlRunner): Promise<TriggerStatus> {
  const triggers = await run(
    `select t.tgname as name, encode(t.tgargs, 'escape') as args, obj_description(t.tgfoid, 'pg_proc') as mark
    from pg_trigger t
    where t.tgrelid = to_regclass('auth.users') and t.tgname in ('dvc_user_changed', 'dvc_user_deleted')`,
    [],
  )
  const marks = triggers.map((t) => /^distributed-validation-cache triggers v(\d+)$/.exec(String(t.mark ?? '')))
  const failures =
    triggers.length === 0
      ? []
      : await run(
          `select path, count::float8 as count, last_error from dvc.trigger_failures
          where to_regclass('dvc.trigger_failures') is not null order by path`,
          [],
        ).catch(() => [])
  const [signOut] = await run(
    `select exists (select from pg_trigger where tgname = 'dvc_sessions_ended'
      and tgrelid = to_regclass('auth.sessions')) as present`,
    [],
  )
  return {
    installed: triggers.length === 2 && marks.every(Boolean),
    globalSignOut: signOut?.present === true,
    version: marks[0] ? Number(marks[0][1]) : null,
    // tgargs: each argument followed by a NUL byte, which encode(…, 'escape') writes as \\000.
    channel: triggers[0] ? String(triggers[0].args).split('\\000')[0]! : null,
    failures: failures.map((f) => ({
      path: f.path as TriggerStatus['failures'][number]['path'],
      count: Number(f.count),
      lastError: (f.last_error as string | null) ?? null,
    })),
  }
}

/**
 * Points the trigger's pg_net path at the app's webhook: the URL and the bearer secret go into
 * Supabase Vault (created, or updated in place), passed as parameters — never into SQL text.
 */
export async function configureWebhook(run: SqlRunner, url: string, secret: string): Promise<void> {
  const [vault] = await run(
    `select exists (select from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname = 'vault' and p.proname = 'create_secret') as present`,
    [],
  )
  if (!vault?.present)
    throw new Error('Supabase Vault (vault.create_secret) is not in this database: the webhook path needs Supabase')
  for (const [name, value] of [
    ['dvc_webhook_url', url],
    ['dvc_webhook_secret', secret],
  ] as const) {
    const [existing] = await run('select id from vault.secrets where name = $1', [name])
    if (existing) await run('select vault.update_secret($1::uuid, $2)', [existing.id, value])
    else await run('select vault.create_secret($1, $2)', [value, name])
  }
}
