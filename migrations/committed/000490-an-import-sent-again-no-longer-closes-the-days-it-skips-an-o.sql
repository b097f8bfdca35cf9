--! Previous: sha1:66b9a7ecce4675ede64bf2c5d8bb605cc12b4b3d
--! Hash: sha1:9ecb79c3ecc207c3632531a94de91f7f2b6b3de7
--! Message: An import sent again no longer closes the days it skips; an open day with money is not deleted

-- Enter migration here

-- A day inserted closed that has its row already takes none of the close's steps
--
-- 000487 made an insert of a closed day (an operator's backfill, an import) close it as close_day does, in the
-- BEFORE INSERT trigger, which PostgreSQL runs for every row proposed, before a unique index or ON CONFLICT looks:
-- an import sent again (`on conflict do nothing`) took the lock of each day it then skipped, refused CONFLICT a day
-- whose payments were being written, where there was nothing to do, and held every skipped day's lock to commit, so
-- that a payment of an open day among them waited for the whole import. A day whose row is there already (as the
-- statement reads it, prior rows of the same statement included) is now left to the unique constraint or ON CONFLICT:
-- its row is locked for key share (neither deleted nor moved until this commits, which an update of it does not
-- wait for), so the insert is sure to find it. A row being deleted is waited for, and once it is gone the day is
-- closed as before; a row being inserted by another transaction, not seen yet, is not known: the close goes on (a
-- close_day or hourly run holding the day's lock refuses it CONFLICT, as before; otherwise the insert then waits for
-- that row, and is skipped or refused by it).
create or replace function app_private.tg_daily_reconciliation__lifecycle() returns trigger
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  if new.status = 'closed' and tg_op = 'INSERT'
     and exists (select from app_public.daily_reconciliation d
                 where d.clinic_id = new.clinic_id and d.business_date = new.business_date for key share) then
    -- the day has its row: the unique constraint or ON CONFLICT decides, and this insert closes nothing
    -- (an ON CONFLICT DO UPDATE closes the row as an update of its status does)
    null;
  elsif new.status = 'closed' and (tg_op = 'INSERT' or old.status is distinct from 'closed') then
    -- the day's lock, exclusively, held by close_day already; taken here without waiting: an update holds the row,
    -- and a payment in flight holding the day waits for the row to refresh its totals (an insert is refused alike)
    if not app_private.lock_business_day(new.clinic_id, new.business_date, true, wait => false) then
      raise exception 'The business day % has payments or refunds being written: close it again once they are done.', new.business_date
        using errcode = 'CCONF';
    end if;
    -- what the day expects once none is in flight, and none can come until this commits (tg__money_day waits for it)
    select t.cash, t.card, t.bank_transfer, t.mobile_money, t.insurance
    into new.expected_cash, new.expected_card, new.expected_bank_transfer, new.expected_mobile_money, new.expected_insurance
    from app_private.expected_totals(new.clinic_id, new.business_date) t;
    new.closed_at := now();
    new.closed_by := app_public.current_user_id();
  elsif tg_op = 'INSERT' then
    -- an open day read with a close stamp was taken for closed
    new.closed_at := null;
    new.closed_by := null;
  elsif old.status = 'closed' and new.status = 'open' then
    -- a reason that says something, whoever reopens it (reopen_day asks for it before it writes)
    new.reopen_reason := app_hidden.reason_or_null(new.reopen_reason);
    if new.reopen_reason is null then
      raise exception 'A reason is required to reopen a day.' using errcode = 'CINVL';
    end if;
    -- an open day read with a close stamp was taken for closed
    new.closed_at := null;
    new.closed_by := null;
    new.reopened_at := now();
    new.reopened_by := app_public.current_user_id();
  end if;
  if tg_op = 'INSERT' then
    -- a new day has not been reopened
    new.reopened_at := null;
    new.reopened_by := null;
    new.reopen_reason := null;
  end if;
  return new;
end;
$$;
revoke all on function app_private.tg_daily_reconciliation__lifecycle() from public;
comment on function app_private.tg_daily_reconciliation__lifecycle() is 'BEFORE INSERT or UPDATE OF status: a day becoming closed, or inserted closed, whoever writes it (close_day, an operator''s psql, an import), takes the day''s lock exclusively as a close does, without waiting (close_day holds it already; a day whose payments or refunds are being written refuses the close, CONFLICT, to be sent again), its expected totals read then, and is stamped closed_at / closed_by; a day inserted closed whose row is there already (an import sent again, ON CONFLICT DO NOTHING) takes none of these steps, its row locked for key share and the unique constraint or ON CONFLICT left to decide (a row being deleted is waited for, and once gone the day is closed); a day inserted open has no close stamp, and no day is inserted with a reopening (reopened_at, reopened_by and reopen_reason null); a day becoming open again (reopen_day, an operator''s psql) needs a reason that says something (INVALID_INPUT; kept as reason_or_null keeps it), loses its close stamps and is stamped reopened_at / reopened_by (now() and the session''s user, null outside a session). A whole dump restored (pg_restore, its triggers made after the data) is as it was.';

-- An open day with payments or refunds is not deleted
--
-- An open day's row was deleted by the owner (an operator's psql), audited but gone, with money on its date: the day
-- left the list of open days to count, which the hourly run does not open again after three days, and its payments
-- and refunds, never counted in a drawer, stayed open to change until someone closed that date by name (the harm
-- 000487 mended for a row moved off its date). A delete of an open day that has a payment or refund (in any currency:
-- each is that day's, and a close freezes it) is now refused (INVALID_INPUT); a day without money (one the hourly run
-- opened before its clinic existed: drop_days_opened_before_clinics) is still deleted. The money is read once the
-- row is held: a payment whose totals reached the row first is waited for and seen. No day's lock is taken (one a day,
-- a delete of many days would pass the lock table's room): a payment still in flight whose totals had not reached
-- the row when the delete took it is not seen, and its day then has no row until the hourly run or closeDay makes it.
create or replace function app_private.tg_daily_reconciliation__day_with_money_kept() returns trigger
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  if exists (select from app_public.payment p where p.clinic_id = old.clinic_id and p.business_date = old.business_date)
     or exists (select from app_public.refund r where r.clinic_id = old.clinic_id and r.business_date = old.business_date) then
    raise exception 'The business day % has payments or refunds: its reconciliation counts them, and is closed (closeDay), not deleted.', old.business_date
      using errcode = 'CINVL';
  end if;
  return old;
end;
$$;
revoke all on function app_private.tg_daily_reconciliation__day_with_money_kept() from public;
comment on function app_private.tg_daily_reconciliation__day_with_money_kept() is 'BEFORE DELETE of an open day: refused (INVALID_INPUT) when the day has a payment or refund (in any currency), whoever deletes it; a day without money is deleted (drop_days_opened_before_clinics). Its row is held when the money is read (a payment whose totals reached it first is seen); no day''s lock is taken, so a payment in flight whose totals had not reached the row is not seen.';

drop trigger if exists _200_day_with_money_kept on app_public.daily_reconciliation;
create trigger _200_day_with_money_kept before delete on app_public.daily_reconciliation
  for each row when (old.status = 'open') execute function app_private.tg_daily_reconciliation__day_with_money_kept();
comment on trigger _200_day_with_money_kept on app_public.daily_reconciliation is 'An open day with payments or refunds is not deleted, whoever deletes it (tg_daily_reconciliation__day_with_money_kept): INVALID_INPUT; it is closed.';
