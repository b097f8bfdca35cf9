-- Money is within a closed day's hours when its date in the zone the day was closed in is that day
--
-- tg__money_day refused money dated within the hours of a day closed in another time zone by a range from the day's
-- midnight to the next, read as times in that zone. Where summer time ends at 01:00 for 00:00 (the Azores, on the last
-- Sunday of October), the first hour of the next day comes twice, and PostgreSQL reads its midnight as the second pass:
-- the closed day's hours ran an hour into the next day, so a payment or refund of that open day's first half hour was
-- DAY_CLOSED, and the first pass of a closed day's first hour was left out of it (taken after a change of zone). The
-- closed day's hours are now its date as that zone reads the moment, the date every payment's business day is.
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
  -- was closed in reads them, hold its time (a zone changes the date of a moment by two days at most): its date
  -- there, not a range from the day's midnight to the next, which reads a midnight that comes twice (summer time
  -- ending at 01:00, the Azores) as its second pass
  select * into v_closed from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.status = 'closed'
    and (d.business_date = any (v_days)
      or (v_moved and d.business_date between new.business_date - 2 and new.business_date + 2
          and (v_at at time zone d.closed_in_time_zone)::date = d.business_date))
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

-- A suspension or a removal of a membership ends the person's live sessions of the clinic alone
--
-- tg_membership__sync_sessions ended every session of the clinic not yet revoked, those already expired but not yet
-- swept among them, as end_sessions_of did before 000242: it locked them (the sweep leaves a session another
-- transaction holds to its next run) and recorded as ended by the suspension a session that had ended at its expiry. It
-- now ends (and, for a new role, changes) the sessions still live, as live_session reads them, a login's cap counts them
-- and a password change, a reset or a deactivation ends them; an expired one is left to the sweep, which deletes it.
create or replace function app_private.tg_membership__sync_sessions() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  if not new.is_active or new.deleted_at is not null then
    update app_private.session s set revoked_at = now()
    where s.clinic_id = new.clinic_id and s.user_id = new.user_id and s.revoked_at is null and s.expires_at > now();
  elsif new.role <> old.role then
    update app_private.session s set role = new.role
    where s.clinic_id = new.clinic_id and s.user_id = new.user_id and s.revoked_at is null and s.expires_at > now();
  end if;
  return null;
end;
$$;
comment on function app_private.tg_membership__sync_sessions() is 'AFTER UPDATE: a role change applies to the person''s live sessions of the clinic (neither revoked nor expired) at once; a suspension or a removal ends them, as a logout ends them. One already expired had ended then, and is left to the sweep (expire_sessions), neither changed nor ended again.';

-- A statement of memberships in several clinics writes their audit chains in the order of the chains' ids
--
-- A statement adding, changing or removing memberships in several clinics (the operator's update of a person's
-- memberships, say) wrote each row's entry (tg__audit) in the order it reached the rows, each chain's head locked until
-- commit, while a login, a switch, a password change, a reset or a deactivation of anyone with sessions in those clinics
-- takes their heads in the order of their ids: the statement holding a clinic's chain while waiting for one of a lower
-- id, which the other held while waiting for the first, one of them was undone ("deadlock detected"). A person's own
-- login or password change took turns with it (session_turn_key) and never did. Now the statement's first row locks the
-- heads of every chain of its rows, in the order of their ids, before any entry is written.
create or replace function app_private.tg_membership__chains_in_order() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  -- the statement's first row (its transition table's first, as its after-row events come in that order): the rows after
  -- it find the heads already held
  if new.id = (select c.id from changed c limit 1) then
    perform from app_private.audit_chain_head h
    where h.chain_id in (select c.clinic_id from changed c)
    order by h.chain_id
    for update;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_membership__chains_in_order() is 'AFTER INSERT or UPDATE, for each row, before the audit (_500_audit): at a statement''s first row, locks the audit chain heads of the clinics of all its rows (changed, the transition table), in the order of their ids, as every act that ends sessions of several clinics takes them (audit_sessions_ended): a statement of memberships in several clinics and a login, a password change or a deactivation at once lock no head the other holds while waiting for it. A delete is a soft delete, an update of each row in turn, its chain locked there.';
revoke all on function app_private.tg_membership__chains_in_order() from public;
-- one event a trigger: a trigger with a transition table has one
drop trigger if exists _490_chains_in_order_on_insert on app_public.membership;
create trigger _490_chains_in_order_on_insert after insert on app_public.membership
  referencing new table as changed
  for each row execute function app_private.tg_membership__chains_in_order();
comment on trigger _490_chains_in_order_on_insert on app_public.membership is 'The audit chains of the clinics of an insert''s rows, locked in the order of their ids at its first row (tg_membership__chains_in_order).';
drop trigger if exists _490_chains_in_order_on_update on app_public.membership;
create trigger _490_chains_in_order_on_update after update on app_public.membership
  referencing new table as changed
  for each row execute function app_private.tg_membership__chains_in_order();
comment on trigger _490_chains_in_order_on_update on app_public.membership is 'The audit chains of the clinics of an update''s rows, locked in the order of their ids at its first row (tg_membership__chains_in_order).';
