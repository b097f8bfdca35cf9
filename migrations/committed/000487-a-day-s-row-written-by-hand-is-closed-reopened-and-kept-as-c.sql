--! Previous: sha1:530301a773efbfd20cd0af3f25830f29631a559e
--! Hash: sha1:b57e678f23fa0440751567734e02643afda663ae
--! Message: A day's row written by hand is closed, reopened and kept as close_day and reopen_day keep it

-- Enter migration here

-- A day's row written by hand is closed, reopened and kept as close_day and reopen_day keep it
--
-- 000473 made a day's status its lifecycle on an update alone: an operator's psql (the owner role, no session)
-- inserting a day already closed (a backfill, an import of a till's cash-ups) closed it with none of close_day's
-- steps: expected totals of 0 whatever its money (a count of 1,000 against 1,000 paid read 1,000 over), no close
-- stamp (read as never closed), and no look at the payments of the day being written, whose money was then refused
-- as of a closed day that left it out. An insert now runs the lifecycle too: closed, it takes the day's lock without
-- waiting (refused, CONFLICT, while money of the day is in flight), reads its expected totals and is stamped as
-- close_day's update is; open, it keeps no close stamp; and no row is made reopened, whose reopening no one did. A
-- reopening by `update … set status = 'open'` needed no reason where reopen_day asks for one that says something:
-- the trigger now asks for it (INVALID_INPUT), kept without the white space around it, as a void's (000437). And a
-- closed day was deleted by the owner, audited but gone, and with it what kept its money: the payments and refunds
-- counted in its drawer could then be deleted or corrected, where reopen_day (an owner, a reason, stamped) is the
-- one way to change them. A closed day is now refused a delete as an update (DAY_CLOSED); an owner reopens it first.
create or replace function app_private.tg_daily_reconciliation__lifecycle() returns trigger
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  if new.status = 'closed' and (tg_op = 'INSERT' or old.status is distinct from 'closed') then
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
comment on function app_private.tg_daily_reconciliation__lifecycle() is 'BEFORE INSERT or UPDATE OF status: a day becoming closed, or inserted closed, whoever writes it (close_day, an operator''s psql, an import), takes the day''s lock exclusively as a close does, without waiting (close_day holds it already; a day whose payments or refunds are being written refuses the close, CONFLICT, to be sent again), its expected totals read then, and is stamped closed_at / closed_by; a day inserted open has no close stamp, and no day is inserted with a reopening (reopened_at, reopened_by and reopen_reason null); a day becoming open again (reopen_day, an operator''s psql) needs a reason that says something (INVALID_INPUT; kept as reason_or_null keeps it), loses its close stamps and is stamped reopened_at / reopened_by (now() and the session''s user, null outside a session). A whole dump restored (pg_restore, its triggers made after the data) is as it was.';

drop trigger if exists _130_lifecycle on app_public.daily_reconciliation;
create trigger _130_lifecycle before insert or update of status on app_public.daily_reconciliation
  for each row execute function app_private.tg_daily_reconciliation__lifecycle();
comment on trigger _130_lifecycle on app_public.daily_reconciliation is 'A day closed or reopened by its status, or inserted closed, is closed or reopened as close_day and reopen_day do it (tg_daily_reconciliation__lifecycle).';

create or replace function app_private.tg_daily_reconciliation__closed_is_final() returns trigger
    language plpgsql
    as $$
begin
  -- a closed day's row keeps its money from changing (tg__money_day): deleted, it would let its payments and refunds go
  if tg_op = 'DELETE' then
    raise exception 'This business day is closed: an owner can reopen it to change it.' using errcode = 'CDAYC';
  end if;
  -- a row saved back as it is (a form that sends every field back) changes nothing the day's count holds
  if app_hidden.changes_nothing_but_stamps(to_jsonb(new), to_jsonb(old), app_hidden.generated_columns(tg_relid)) then
    return new;
  end if;
  raise exception 'This business day is closed: an owner can reopen it to change it.' using errcode = 'CDAYC';
end;
$$;
revoke all on function app_private.tg_daily_reconciliation__closed_is_final() from public;
comment on function app_private.tg_daily_reconciliation__closed_is_final() is 'BEFORE UPDATE of a closed day that leaves it closed, and BEFORE DELETE of a closed day: refused (DAY_CLOSED); reopen_day opens it first. An update that changes nothing (a form saved back as it is: changes_nothing_but_stamps) goes through.';

drop trigger if exists _200_closed_is_kept on app_public.daily_reconciliation;
create trigger _200_closed_is_kept before delete on app_public.daily_reconciliation
  for each row when (old.status = 'closed') execute function app_private.tg_daily_reconciliation__closed_is_final();
comment on trigger _200_closed_is_kept on app_public.daily_reconciliation is 'A closed day is not deleted, whoever deletes it (tg_daily_reconciliation__closed_is_final): DAY_CLOSED; an owner reopens it first.';

-- A day's reconciliation keeps its clinic and business date
--
-- The row of a day is the count of that day's payments and refunds, which keep their business date: nothing of the
-- application moves it, and the API's role may not write either column. An operator's `update … set business_date`
-- (or `clinic_id`) moved an open day to a date without money, expecting there what another day took (700 of card
-- on a day with none), and left the day of that money with no row: off the list of open days to count, which the
-- hourly run does not open again after three days. A closed day reopened in the same update took its count with it.
-- Both columns are now kept by a trigger of their change (INVALID_INPUT), whoever writes them; a day of another date
-- is opened by the hourly run or closeDay.
create or replace function app_private.tg_daily_reconciliation__day_kept() returns trigger
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  raise exception 'A day''s reconciliation keeps its clinic and business date: it counts the payments and refunds of that day.'
    using errcode = 'CINVL';
end;
$$;
revoke all on function app_private.tg_daily_reconciliation__day_kept() from public;
comment on function app_private.tg_daily_reconciliation__day_kept() is 'BEFORE UPDATE OF clinic_id, business_date that changes either: refused (INVALID_INPUT), whoever writes it. A day''s row counts the payments and refunds of its clinic on its date, which keep their business date.';

drop trigger if exists _125_day_kept on app_public.daily_reconciliation;
create trigger _125_day_kept before update of clinic_id, business_date on app_public.daily_reconciliation
  for each row when (new.clinic_id is distinct from old.clinic_id or new.business_date is distinct from old.business_date)
  execute function app_private.tg_daily_reconciliation__day_kept();
comment on trigger _125_day_kept on app_public.daily_reconciliation is 'A day''s row keeps its clinic and business date (tg_daily_reconciliation__day_kept): INVALID_INPUT.';
