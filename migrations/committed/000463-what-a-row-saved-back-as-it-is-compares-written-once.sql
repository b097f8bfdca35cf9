--! Previous: sha1:fa7f730137bf25335858324f76108645cd4a63ad
--! Hash: sha1:ca39fe6a87a30a9fef03391fa0d06358bea7109d
--! Message: What a row saved back as it is compares, written once

-- What a row saved back as it is compares, written once
--
-- Three triggers tell an update that changes nothing (a form sent back as it is) by the same rule, the row without its
-- stamps and its generated columns (null in `new` before the row is written) as it was: _999_unchanged_keeps_stamps,
-- which keeps the stamps; tg__money_day, which lets a closed day's payment or refund saved back as it is through; and
-- tg_daily_reconciliation__closed_is_final, which lets a closed day's reconciliation through. Each wrote the
-- comparison, and the two day triggers the read of the table's generated columns, which
-- keep_stamps_of_unchanged_rows also wrote to give them to the first. Both are now one function each, in app_hidden
-- as the triggers run as the session's role.
create or replace function app_hidden.generated_columns(table_oid regclass) returns text[]
  language sql stable parallel safe
  as $$
  select array(select a.attname::text from pg_catalog.pg_attribute a
               where a.attrelid = table_oid and a.attgenerated <> '' and not a.attisdropped order by a.attnum);
$$;
comment on function app_hidden.generated_columns(regclass) is 'The generated columns of a table, in the order of its columns: computed after the before triggers, so null in the new row a before-update trigger reads, and left out of changes_nothing_but_stamps'' comparison.';
revoke all on function app_hidden.generated_columns(regclass) from public;
grant all on function app_hidden.generated_columns(regclass) to :DATABASE_VISITOR;

create or replace function app_hidden.changes_nothing_but_stamps(new_row jsonb, old_row jsonb, generated text[]) returns boolean
  language sql immutable parallel safe
  as $$
  select (new_row - coalesce(generated, '{}') - 'updated_at' - 'updated_by') = (old_row - coalesce(generated, '{}') - 'updated_at' - 'updated_by');
$$;
comment on function app_hidden.changes_nothing_but_stamps(jsonb, jsonb, text[]) is 'Whether an update (the row as it will be, the row as it was, the table''s generated columns: generated_columns) changes nothing but the stamps, updated_at and updated_by: a form saved back as it is. Compared as tg__audit compares, the generated columns through the columns they are made of. The one rule of tg__unchanged_keeps_stamps, tg__money_day and tg_daily_reconciliation__closed_is_final.';
revoke all on function app_hidden.changes_nothing_but_stamps(jsonb, jsonb, text[]) from public;
grant all on function app_hidden.changes_nothing_but_stamps(jsonb, jsonb, text[]) to :DATABASE_VISITOR;

create or replace function app_private.keep_stamps_of_unchanged_rows() RETURNS integer
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_table regclass;
  v_tables integer := 0;
begin
  for v_table in select t.tgrelid::regclass from pg_trigger t where t.tgname = '_100_timestamps' and not t.tgisinternal order by 1
  loop
    execute format('drop trigger if exists _999_unchanged_keeps_stamps on %s', v_table);
    execute format('create trigger _999_unchanged_keeps_stamps before update on %s for each row execute function app_private.tg__unchanged_keeps_stamps(%s)',
      v_table,
      (select string_agg(quote_literal(c.name), ', ' order by c.n) from unnest(app_hidden.generated_columns(v_table)) with ordinality c(name, n)));
    v_tables := v_tables + 1;
  end loop;
  return v_tables;
end;
$$;

comment on function app_private.keep_stamps_of_unchanged_rows() IS 'Makes (again) the trigger _999_unchanged_keeps_stamps on every stamped table (one with _100_timestamps), giving it the table''s generated columns as its arguments; answers how many tables. Run by 000414, and by a migration that adds a stamped table or a generated column to one (tests/db/audit.test.ts checks every stamped table''s trigger and arguments).';
revoke all on function app_private.keep_stamps_of_unchanged_rows() from public;

create or replace function app_private.tg__unchanged_keeps_stamps() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  -- tg_argv: the table's generated columns (null for a table of none), given by keep_stamps_of_unchanged_rows
  if app_hidden.changes_nothing_but_stamps(to_jsonb(new), to_jsonb(old), tg_argv) then
    new.updated_at := old.updated_at;
    new.updated_by := old.updated_by;
  end if;
  return new;
end;
$$;

comment on function app_private.tg__unchanged_keeps_stamps() IS 'BEFORE UPDATE, the last of a stamped table''s before triggers (_999_unchanged_keeps_stamps, given the table''s generated columns as its arguments: keep_stamps_of_unchanged_rows): an update that changes nothing but the stamps (a form sent back as it is) keeps the row''s updated_at and updated_by, which tg__timestamps moved; compared as tg__audit compares, so a row''s stamps move exactly when the audit log writes an entry of it (000408, 000414).';
revoke all on function app_private.tg__unchanged_keeps_stamps() from public;

create or replace function app_private.tg__money_day() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_row jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
  v_at timestamptz := coalesce(v_row ->> 'received_at', v_row ->> 'refunded_at')::timestamptz;
  v_clinic uuid := (v_row ->> 'clinic_id')::uuid;
  v_days date[];
  v_moved boolean := tg_op = 'INSERT'
    or (tg_op = 'UPDATE' and v_at is distinct from coalesce(to_jsonb(old) ->> 'received_at', to_jsonb(old) ->> 'refunded_at')::timestamptz);
  v_closed app_public.daily_reconciliation;
begin
  -- the day the money moved, in the clinic's time zone then; a later change of the zone, or of the
  -- method, leaves it on that day (which a reconciliation may have counted)
  if v_moved then
    new.business_date := app_hidden.business_date(new.clinic_id, v_at);
  elsif tg_op = 'UPDATE' then
    new.business_date := old.business_date;
  end if;
  -- a row saved back as it is (a form that sends every field back, its reference as kept: tg_payment__guard ran
  -- first) changes nothing a day counted, nor anything else: no closed day refuses it, and it waits for no close
  -- (000459: a cashier saving a payment of a day since closed, unchanged, was told the day is closed). Compared as
  -- tg__audit compares, the stamps and the generated columns (null in `new` before the row is written) left out
  if tg_op = 'UPDATE' and app_hidden.changes_nothing_but_stamps(to_jsonb(new), to_jsonb(old), app_hidden.generated_columns(tg_relid)) then
    return new;
  end if;
  v_days := array_remove(array[
    case when tg_op <> 'DELETE' then new.business_date end,
    case when tg_op <> 'INSERT' then old.business_date end], null);
  -- Waits for a close of these days in flight; once we hold the lock, no close starts until we commit.
  perform app_private.lock_business_day(v_clinic, d, false) from unnest(v_days) d;
  -- in one read: a closed day of these days, first, or (money moved or dated) one whose hours, as the zone it
  -- was closed in reads them, hold its time (a zone changes the date of a moment by two days at most): its date
  -- there, not a range from the day's midnight to the next, which reads a midnight that comes twice (summer time
  -- ending at 01:00, the Azores) as its second pass
  select * into v_closed from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.status = 'closed'
    and (d.business_date = any (v_days)
      or (v_moved and d.business_date between new.business_date - 2 and new.business_date + 2
          and (v_at at time zone d.closed_in_time_zone)::date = d.business_date
          -- before the count: money of its hours taken after it (the day closed at its evening's cash-up, then the
          -- zone moved east) was never in the drawer counted, and belongs to the open day it falls on now
          and (d.closed_at is null or v_at < d.closed_at)))
  order by d.business_date = any (v_days) desc
  limit 1;
  -- naming the day, and who reopens it (it said neither)
  if found and v_closed.business_date = any (v_days) then
    raise exception 'The business day % is closed: its payments and refunds can no longer change, unless an owner reopens it.', v_closed.business_date
      using errcode = 'CDAYC';
  elsif found then
    raise exception 'That time is within the business day of % (in %, the time zone it was closed in), which is closed: its payments and refunds can no longer change, unless an owner reopens it.',
      v_closed.business_date, v_closed.closed_in_time_zone using errcode = 'CDAYC';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;

comment on function app_private.tg__money_day() IS 'BEFORE INSERT/UPDATE/DELETE on payments and refunds: sets the business day in the clinic''s time zone when the money moves (kept by later updates unless its time is corrected), locks the day against a concurrent close, and refuses any change to a closed day (DAY_CLOSED), and money moved or dated within the hours of a day closed in another time zone, as that zone reads them, before the day was closed (money of those hours taken after its count is the open day''s it falls on). An update that changes nothing (a form saved back as it is: changes_nothing_but_stamps) goes through on any day, and locks none (000459).';
revoke all on function app_private.tg__money_day() from public;

create or replace function app_private.tg_daily_reconciliation__closed_is_final() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
begin
  -- a row saved back as it is (a form that sends every field back) changes nothing the day's count holds
  if app_hidden.changes_nothing_but_stamps(to_jsonb(new), to_jsonb(old), app_hidden.generated_columns(tg_relid)) then
    return new;
  end if;
  raise exception 'This business day is closed: an owner can reopen it to change it.' using errcode = 'CDAYC';
end;
$$;

comment on function app_private.tg_daily_reconciliation__closed_is_final() IS 'BEFORE UPDATE of a closed day that leaves it closed: refused (DAY_CLOSED); reopen_day opens it first. An update that changes nothing (a form saved back as it is: changes_nothing_but_stamps) goes through.';
revoke all on function app_private.tg_daily_reconciliation__closed_is_final() from public;
