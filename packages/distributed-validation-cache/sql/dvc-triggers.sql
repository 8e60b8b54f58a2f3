-- distributed-validation-cache triggers v2 (prefix dvc:): bans made outside the app reach the fleet within a second.
create schema if not exists dvc;

comment on schema dvc is 'distributed-validation-cache: the auth.users change trigger';

create table if not exists dvc.trigger_failures (
  path text primary key,
  count bigint not null default 0,
  last_error text,
  last_at timestamptz
);

create table if not exists dvc.user_changes (
  user_id uuid not null,
  changed_at timestamptz not null default clock_timestamp()
);

create index if not exists user_changes_changed_at on dvc.user_changes (changed_at);

create or replace function dvc.count_failure(failed_path text, error text) returns void
language plpgsql security definer set search_path = '' set lock_timeout = '50ms' as $fn$
begin
  insert into dvc.trigger_failures as f (path, count, last_error, last_at)
    values (failed_path, 1, left(error, 200), now())
    on conflict (path) do update set count = f.count + 1, last_error = excluded.last_error, last_at = now();
exception when others then
  null; -- counting must not fail the user's statement either
end $fn$;

create or replace function dvc.user_changed() returns trigger
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
end $fn$;

comment on function dvc.user_changed() is 'distributed-validation-cache triggers v2';

create or replace trigger dvc_user_changed
  after update of banned_until, deleted_at, raw_app_meta_data on auth.users
  for each row when (
    old.banned_until is distinct from new.banned_until or old.deleted_at is distinct from new.deleted_at
    or old.raw_app_meta_data is distinct from new.raw_app_meta_data
  )
  execute function dvc.user_changed('dvc:user_changed');

create or replace trigger dvc_user_deleted after delete on auth.users
  for each row execute function dvc.user_changed('dvc:user_changed');
