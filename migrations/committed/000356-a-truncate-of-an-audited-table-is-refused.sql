--! Previous: sha1:eba4d27039fb7c81635f90a5620f22fbb5b10256
--! Hash: sha1:a239194c97d7a7befaa8a69ee928007d63628239
--! Message: A truncate of an audited table is refused

-- A truncate of an audited table is refused
--
-- A TRUNCATE fires no row trigger: the owner role's `truncate app_public.patient cascade` (a data fix, a cleanup
-- run against the wrong database) took every clinic's patients, visits, invoices, payments, refunds and exports out
-- at once, soft-deleted rows and all, and wrote no audit entry: each clinic's chain still verified, and nothing told
-- its owner that its records were gone. Now each audited table (each with a `_500_audit` trigger) refuses a truncate
-- before it begins (`_200_truncate_refused`, for each statement, also when the truncate reaches it by `cascade` from
-- another table): rows leave by a `delete` (soft-deleted where the table keeps them), which the audit records.
-- Like the audit trigger, it holds against the owner role's statements, not against the owner role switching it off
-- (decision 005, Limit).
create or replace function app_private.tg__truncate_refused() returns trigger
  language plpgsql
  set search_path to pg_catalog, pg_temp
as $$
begin
  raise exception 'A truncate of %.% writes no audit entry: delete its rows instead (soft-deleted where the table keeps them), each recorded in the audit log.',
    tg_table_schema, tg_table_name using errcode = 'CFORB';
end;
$$;
comment on function app_private.tg__truncate_refused() is 'BEFORE TRUNCATE, for each statement, on each audited table (refuse_truncate): refuses the truncate, which fires no row trigger and so would take rows out with no audit entry, even when it reaches the table by cascade from another.';
revoke all on function app_private.tg__truncate_refused() from public;

create or replace function app_private.refuse_truncate(audited regclass) returns void
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  execute format('drop trigger if exists _200_truncate_refused on %s', audited);
  execute format('create trigger _200_truncate_refused before truncate on %s for each statement execute function app_private.tg__truncate_refused()', audited);
  execute format('comment on trigger _200_truncate_refused on %s is %L', audited,
    'Refuses a truncate, which writes no audit entry (tg__truncate_refused): its rows leave by a delete, audited.');
end;
$$;
comment on function app_private.refuse_truncate(regclass) is 'Gives an audited table (its _500_audit trigger made) the trigger _200_truncate_refused, so that no truncate takes its rows out without an audit entry (tg__truncate_refused). For migrations: every table audited calls it, with order_audit_chains (db/CONVENTIONS.md).';
revoke all on function app_private.refuse_truncate(regclass) from public;

-- every table audited now (a new one calls it when made, db/CONVENTIONS.md)
select app_private.refuse_truncate(t.tgrelid::regclass)
from pg_trigger t where t.tgname = '_500_audit' and t.tgfoid = 'app_private.tg__audit'::regproc;
