--! Previous: sha1:5ec9289164e5886fbf2f339c21cb319f80079d49
--! Hash: sha1:95dad8d8168d69bd6aa665a3aefcef48af6fcc91
--! Message: a closed day keeps the time zone it was closed in

-- A payment dated back into a closed day's hours went in after a change of the clinic's time zone: a
-- day closed at 18:42 in Dar es Salaam, then the zone set to Pacific/Kiritimati, and a payment
-- received "12:00Z" that day (15:00 in Dar, inside the counted day) fell on the next day in the new
-- zone, open, and was taken. A closed day now keeps the time zone it was closed in, and money whose
-- time falls within that day's hours, as that zone reads them, is DAY_CLOSED whatever the clinic's
-- zone is now (and both refusals name the day, and who reopens it). Days closed before this migration take the clinic's zone as it is now (the zone they
-- were closed in is not known): written past the triggers that refuse any change of a closed day,
-- stamp it updated and audit it (a fact the migration adds, not a change of the day: its updated_at
-- and the clinic's audit chain stay as they were).

alter table app_public.daily_reconciliation add column if not exists closed_in_time_zone text;
comment on column app_public.daily_reconciliation.closed_in_time_zone is
  'The clinic''s time zone when the day was closed (null while it is open): its hours as that zone reads them stay closed to money moved or dated in them after a change of the clinic''s time zone.';

alter table app_public.daily_reconciliation disable trigger _100_timestamps, disable trigger _200_closed_is_final, disable trigger _500_audit;
update app_public.daily_reconciliation d set closed_in_time_zone = c.timezone
from app_public.clinic c where c.id = d.clinic_id and d.status = 'closed' and d.closed_in_time_zone is null;
alter table app_public.daily_reconciliation enable trigger _100_timestamps, enable trigger _200_closed_is_final, enable trigger _500_audit;

alter table app_public.daily_reconciliation drop constraint if exists daily_reconciliation_closed_in_time_zone;
alter table app_public.daily_reconciliation add constraint daily_reconciliation_closed_in_time_zone
  check ((status = 'closed') = (closed_in_time_zone is not null));
comment on constraint daily_reconciliation_closed_in_time_zone on app_public.daily_reconciliation is
  'A closed day, and only a closed day, knows the time zone it was closed in.';

create or replace function app_private.tg_daily_reconciliation__closed_in_time_zone() returns trigger
language plpgsql
set search_path to pg_catalog, public, pg_temp
as $$
begin
  -- close_day holds the clinic's time zone setting (lock_clinic_setting): a change of it waits for the close
  new.closed_in_time_zone := case when new.status = 'closed' then (select c.timezone from app_public.clinic c where c.id = new.clinic_id) end;
  return new;
end;
$$;
comment on function app_private.tg_daily_reconciliation__closed_in_time_zone() is
  'BEFORE INSERT or UPDATE OF status: a day closed keeps the clinic''s time zone of then (closed_in_time_zone); one reopened forgets it.';
drop trigger if exists _120_closed_in_time_zone on app_public.daily_reconciliation;
create trigger _120_closed_in_time_zone before insert or update of status on app_public.daily_reconciliation
  for each row execute function app_private.tg_daily_reconciliation__closed_in_time_zone();
comment on trigger _120_closed_in_time_zone on app_public.daily_reconciliation is
  'A closed day keeps the time zone it was closed in (tg_daily_reconciliation__closed_in_time_zone).';

create or replace function app_private.tg__money_day() RETURNS trigger
language plpgsql security definer
set search_path to pg_catalog, public, pg_temp
as $$
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
  v_days := array_remove(array[
    case when tg_op <> 'DELETE' then new.business_date end,
    case when tg_op <> 'INSERT' then old.business_date end], null);
  -- Waits for a close of these days in flight; once we hold the lock, no close starts until we commit.
  perform app_private.lock_business_day(v_clinic, d, false) from unnest(v_days) d;
  -- in one read: a closed day of these days, first, or (money moved or dated) one whose hours, as the zone it
  -- was closed in reads them, hold its time (a zone changes the date of a moment by two days at most)
  select * into v_closed from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.status = 'closed'
    and (d.business_date = any (v_days)
      or (v_moved and d.business_date between new.business_date - 2 and new.business_date + 2
          and v_at >= d.business_date::timestamp at time zone d.closed_in_time_zone
          and v_at < (d.business_date + 1)::timestamp at time zone d.closed_in_time_zone))
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
comment on function app_private.tg__money_day() is 'BEFORE INSERT/UPDATE/DELETE on payments and refunds: sets the business day in the clinic''s time zone when the money moves (kept by later updates unless its time is corrected), locks the day against a concurrent close, and refuses any change to a closed day (DAY_CLOSED), and money moved or dated within the hours of a day closed in another time zone, as that zone reads them.';
