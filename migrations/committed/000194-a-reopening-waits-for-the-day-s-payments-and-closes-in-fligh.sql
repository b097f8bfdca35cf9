--! Previous: sha1:68e490a5d70e673932574e196d6294919bc2881a
--! Hash: sha1:7631d41e89559d92afab71109bc22a4956d66982
--! Message: A reopening waits for the day's payments and closes in flight, a payment made meanwhile waits for it, and a reopening sent twice answers the reopened day

-- A reopening waits for the day's payments and closes in flight, and a payment made while a day is being
-- reopened waits for it: it was refused at once as of a closed day (DAY_CLOSED) while the reopening, which
-- took no lock of the day, was still to commit. reopen_day takes the day's lock as close_day does.
--
-- A reopening sent twice (a double click, a retry after a timeout whose first attempt went through) answered the
-- second "No closed day on that date in this clinic." (NOT_FOUND) for a day there, just reopened: a close sent
-- twice answers the day as it was closed (000121). The same reopening again, with the same reason, of a day
-- still open answers the day as it was reopened; another reason, or a day never closed, is NOT_FOUND as before.
create or replace function app_public.reopen_day(business_date date, reason text) RETURNS app_public.daily_reconciliation
    language plpgsql security definer
    set search_path to pg_catalog, public, pg_temp
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_reason text := app_hidden.text_or_null(reason);
  v_day app_public.daily_reconciliation;
begin
  if not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner can reopen a closed day.' using errcode = 'CFORB';
  end if;
  if coalesce(app_hidden.name_as_meant(reason), '') = '' then
    raise exception 'A reason is required to reopen a day.' using errcode = 'CINVL';
  end if;
  -- Waits for a close or a payment of the day in flight; a payment arriving meanwhile waits for the day to be
  -- open again (it was refused as of a closed day), as a close arriving meanwhile waits to close it again.
  perform app_private.lock_business_day(v_clinic, reopen_day.business_date, true);
  select * into v_day from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.business_date = reopen_day.business_date for update;
  if v_day.status = 'closed' then
    update app_public.daily_reconciliation d set status = 'open', reopened_at = now(), reopened_by = app_public.current_user_id(),
      reopen_reason = v_reason, closed_at = null, closed_by = null
    where d.clinic_id = v_clinic and d.id = v_day.id
    returning * into v_day;
  -- an open day is the same reopening again (a double click, a retry after a timeout whose first attempt went
  -- through) when it was reopened for the same reason: the day as it was reopened, as a close sent again answers
  -- the day as it was closed
  elsif v_day.status is distinct from 'open' or v_day.reopen_reason is distinct from v_reason then
    raise exception 'No closed day on that date in this clinic.' using errcode = 'CNOTF';
  end if;
  return v_day;
end;
$$;

comment on function app_public.reopen_day(business_date date, reason text) is 'Reopens a closed business day with a reason (audited). Owners only. Waits for a close or a payment of that day in flight; a payment or close of that day made meanwhile waits for it. The same reopening again (the same reason, the day still open) answers the day as it was reopened.';
