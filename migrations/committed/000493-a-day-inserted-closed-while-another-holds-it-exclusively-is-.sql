--! Previous: sha1:863749308c315fabe0e1e38f628fbb32a0d07f7f
--! Hash: sha1:7cd4dda50362860c70cf1213fe8839b6cc2dadc2
--! Message: A day inserted closed while another holds it exclusively is refused as being closed, not as having payments in flight

-- Enter migration here

-- A day closed while another transaction closes it is refused as being closed, not as having payments being written
--
-- A day inserted closed (or closed by its status) takes the day's lock exclusively without waiting, and was refused
-- "has payments or refunds being written" whoever held the lock: two imports of the same day not there yet at once,
-- or an insert closed while a closeDay, reopenDay or hourly run of the day is in flight, sent the operator looking for
-- a payment that was not there. The lock refused is now tried shared: refused too, another transaction holds it
-- exclusively (a close, a reopening, the hourly run, an insert of the day closed), and the day is "being closed or
-- reopened", as 000491 names it for a day sent again; taken, only payments or refunds hold it, named as before.
create or replace function app_private.tg_daily_reconciliation__lifecycle() returns trigger
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  v_there boolean := false; -- a day inserted closed that has its row already
begin
  if new.status = 'closed' and tg_op = 'INSERT'
     and exists (select from app_public.daily_reconciliation d where d.clinic_id = new.clinic_id and d.business_date = new.business_date) then
    -- the day held shared, as a payment of it holds it, without waiting: a close, reopening or hourly run of it in
    -- flight (holding it exclusively, then its row) refuses this CONFLICT, where waiting for its row was a deadlock
    -- once it waited for the clinic's audit log that this transaction had written; one to come waits for this
    if not app_private.lock_business_day(new.clinic_id, new.business_date, false, wait => false) then
      raise exception 'The business day % is being closed or reopened: send it again once that is done.', new.business_date
        using errcode = 'CCONF';
    end if;
    if app_private.holds_audit_chain_head(new.clinic_id) then
      -- this transaction holds the clinic's audit log (it wrote a day before): a write of the row in flight that takes
      -- no day's lock (its notes, a reopening by its status, a delete) waits for that log, and waiting for that write
      -- here (for the row, the unique constraint, ON CONFLICT) was a deadlock. The row is held for share without
      -- waiting: one in flight refuses this CONFLICT; one to come waits for this, as every write of the clinic does
      v_there := exists (select from app_public.daily_reconciliation d
                         where d.clinic_id = new.clinic_id and d.business_date = new.business_date for share skip locked);
      if not v_there and exists (select from app_public.daily_reconciliation d
                                 where d.clinic_id = new.clinic_id and d.business_date = new.business_date) then
        raise exception 'The business day % is being written by another session: send it again once that is done.', new.business_date
          using errcode = 'CCONF';
      end if;
    else
      -- its row locked for key share: neither deleted nor moved until this commits, so that the insert is sure to find
      -- it (a row being deleted is waited for, and once it is gone the day is closed as below)
      v_there := exists (select from app_public.daily_reconciliation d
                         where d.clinic_id = new.clinic_id and d.business_date = new.business_date for key share);
    end if;
  end if;
  if v_there then
    -- the day has its row: the unique constraint or ON CONFLICT decides, and this insert closes nothing
    -- (an ON CONFLICT DO UPDATE closes the row as an update of its status does)
    null;
  elsif new.status = 'closed' and (tg_op = 'INSERT' or old.status is distinct from 'closed') then
    -- the day's lock, exclusively, held by close_day already; taken here without waiting: an update holds the row,
    -- and a payment in flight holding the day waits for the row to refresh its totals (an insert is refused alike)
    if not app_private.lock_business_day(new.clinic_id, new.business_date, true, wait => false) then
      -- held exclusively too (the shared lock refused as well): a close, reopening, hourly run or insert closed of the
      -- day in flight, not its money (the shared lock, taken here when only payments hold it, goes with the error)
      if not app_private.lock_business_day(new.clinic_id, new.business_date, false, wait => false) then
        raise exception 'The business day % is being closed or reopened: send it again once that is done.', new.business_date
          using errcode = 'CCONF';
      end if;
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
comment on function app_private.tg_daily_reconciliation__lifecycle() is 'BEFORE INSERT or UPDATE OF status: a day becoming closed, or inserted closed, whoever writes it (close_day, an operator''s psql, an import), takes the day''s lock exclusively as a close does, without waiting (close_day holds it already; a day whose payments or refunds are being written refuses the close, CONFLICT, to be sent again; one that a close, reopening, hourly run or another insert closed holds refuses it CONFLICT as being closed or reopened), its expected totals read then, and is stamped closed_at / closed_by; a day inserted closed whose row is there already (an import sent again, ON CONFLICT DO NOTHING) takes none of these steps: it holds the day''s lock shared, as a payment does, without waiting (a closeDay, reopenDay or hourly run of the day in flight refuses it CONFLICT; one to come waits for it, and a close by its status is refused CONFLICT meanwhile, as while a payment is in flight), its row locked for key share and the unique constraint or ON CONFLICT left to decide (a row being deleted is waited for, and once gone the day is closed), or, once the transaction has written the clinic''s audit log (a day imported before), held for share without waiting: a write of the row in flight (its notes, a reopening by its status, a delete), which waits for that log, refuses it CONFLICT; a day inserted open has no close stamp, and no day is inserted with a reopening (reopened_at, reopened_by and reopen_reason null); a day becoming open again (reopen_day, an operator''s psql) needs a reason that says something (INVALID_INPUT; kept as reason_or_null keeps it), loses its close stamps and is stamped reopened_at / reopened_by (now() and the session''s user, null outside a session). A whole dump restored (pg_restore, its triggers made after the data) is as it was.';
