--! Previous: sha1:87c350d7e9c945f5c6fe88e310e6b944fcabe516
--! Hash: sha1:c851eb154ccfa8551b3dbbbd529dc529b17fc84b
--! Message: A day's status is its lifecycle, whoever writes it: a day becoming closed takes the day's lock without waiting, reads its expected totals and is stamped; one becoming open again loses its close stamps and is stamped reopened; close_day and reopen_day leave both to it

-- Enter migration here

-- A day closed or reopened by its status, whoever writes it, is closed or reopened as close_day and reopen_day do it
--
-- close_day and reopen_day alone kept a day's lifecycle: an operator's psql writing `status` (`update
-- app_public.daily_reconciliation set status = 'closed'`, or `'open'`) closed a day without waiting for its payments and
-- refunds in flight, nor keeping those sent while it was still to commit from the day: a cashier's payment sent then
-- read the day open, waited for the row, and was taken on the closed day, left out of its expected totals (1,500 in the
-- drawer, 1,000 expected), the close stamped by no one at no time; and a reopened day kept its closedAt and closedBy,
-- read as closed, with no reopenedAt. The day's lifecycle is now the row's: a day becoming closed takes the day's lock
-- exclusively, as a close does, without waiting (the row is locked already, and a payment in flight waits for the row
-- holding the day: it would deadlock) -- a day whose payments or refunds are being written refuses the close, to be
-- sent again, where close_day holds the lock already -- its expected totals read once it holds it, and is stamped
-- closedAt and closedBy; a day becoming open again loses its close stamps and is stamped reopenedAt and reopenedBy
-- (now() and the session's user, null outside a session: an operator's psql), as the invoice's lifecycle is kept.
-- lock_business_day takes the day's lock without waiting when asked (`wait => false`), answering whether it has it: for
-- the lifecycle trigger below, which may not wait.
drop function if exists app_private.lock_business_day(uuid, date, boolean);
create or replace function app_private.lock_business_day(clinic_id uuid, business_date date, exclusive boolean, wait boolean default true) returns boolean
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  -- the two-key advisory locks are a space of their own, apart from single-key ones (graphile-worker's)
  v_clinic_key int := hashtext(lock_business_day.clinic_id::text);
  v_day_key int := lock_business_day.business_date - date '2000-01-01';
begin
  if not wait then
    return case when exclusive then pg_try_advisory_xact_lock(v_clinic_key, v_day_key) else pg_try_advisory_xact_lock_shared(v_clinic_key, v_day_key) end;
  end if;
  if exclusive then
    perform pg_advisory_xact_lock(v_clinic_key, v_day_key);
  else
    perform pg_advisory_xact_lock_shared(v_clinic_key, v_day_key);
  end if;
  return true;
end;
$$;

comment on function app_private.lock_business_day(uuid, date, boolean, boolean) is 'Locks a clinic''s business day until the end of the transaction: shared for a payment or refund, exclusive for closing the day (tg_daily_reconciliation__lifecycle) or reopening it. With `wait` false, only when no other transaction holds it otherwise, answering whether it was taken (true whenever it waits).';
revoke all on function app_private.lock_business_day(uuid, date, boolean, boolean) from public;

create or replace function app_private.tg_daily_reconciliation__lifecycle() returns trigger
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  if new.status = 'closed' and old.status is distinct from 'closed' then
    -- the day's lock, exclusively, held by close_day already; taken here without waiting: the row is locked, and a
    -- payment in flight holding the day waits for the row to refresh its totals
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
  elsif old.status = 'closed' and new.status = 'open' then
    -- an open day read with a close stamp was taken for closed
    new.closed_at := null;
    new.closed_by := null;
    new.reopened_at := now();
    new.reopened_by := app_public.current_user_id();
  end if;
  return new;
end;
$$;

comment on function app_private.tg_daily_reconciliation__lifecycle() is 'BEFORE UPDATE OF status: a day becoming closed, whoever writes it (close_day, an operator''s psql), takes the day''s lock exclusively as a close does, without waiting (close_day holds it already; a day whose payments or refunds are being written refuses the close, CONFLICT, to be sent again), its expected totals read then, and is stamped closed_at / closed_by; a day becoming open again (reopen_day, an operator''s psql) loses its close stamps and is stamped reopened_at / reopened_by (now() and the session''s user, null outside a session). A row inserted is as written (the hourly run''s and close_day''s are open; a restore''s as they were).';

drop trigger if exists _130_lifecycle on app_public.daily_reconciliation;
create trigger _130_lifecycle before update of status on app_public.daily_reconciliation
  for each row execute function app_private.tg_daily_reconciliation__lifecycle();

comment on trigger _130_lifecycle on app_public.daily_reconciliation is 'A day closed or reopened by its status is closed or reopened as close_day and reopen_day do it (tg_daily_reconciliation__lifecycle).';

-- close_day and reopen_day leave a day's stamps and expected totals to its status
--
-- The lifecycle trigger above stamps a day closed or reopened and reads its expected totals as it closes: close_day no
-- longer refreshes the totals by an update of its own before the close's (one update of the day, one audit entry), nor
-- stamps the day, and reopen_day no longer stamps it.
create or replace function app_public.close_day(business_date date, counted_cash numeric DEFAULT 0, counted_card numeric DEFAULT 0, counted_bank_transfer numeric DEFAULT 0, counted_mobile_money numeric DEFAULT 0, counted_insurance numeric DEFAULT 0, notes text DEFAULT NULL::text, idempotency_key text DEFAULT NULL::text) RETURNS app_public.daily_reconciliation
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_day app_public.daily_reconciliation;
  v_currency text := (select c.currency from app_public.clinic c where c.id = v_clinic);
  -- notes of white space alone (a close form's field left blank) are none given: the day keeps its own
  v_notes text := case when app_hidden.text_or_null(close_day.notes) is not null then app_hidden.text_as_typed(close_day.notes) end;
  v_first date; -- the clinic's first local day, when the day asked for is one before it without money
  v_request jsonb; -- what is asked, as a retry with the same idempotency key is compared
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can close a day.' using errcode = 'CFORB';
  end if;
  perform app_private.check_idempotency_key(close_day.idempotency_key, 'close of a day');
  -- the clinic's time zone as it is once a change of it under way is done (and a change waits for this close):
  -- a close must not pass a change to a zone in which its day has not started
  perform app_private.lock_clinic_setting(v_clinic, 'time zone', false);
  if business_date is null then
    raise exception 'Give the business day to close (businessDate).' using errcode = 'CINVL';
  end if;
  if business_date > app_hidden.business_date(v_clinic, now()) then
    raise exception 'Only a business day that has started can be closed.' using errcode = 'CINVL';
  end if;
  if business_date < date '2000-01-01' then
    raise exception 'Only a business day from 2000-01-01 on can be closed.' using errcode = 'CINVL';
  end if;
  if exists (select from unnest(array[counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance]) a
             where a <> round(a, app_public.currency_decimals(v_currency))) then
    raise exception 'A counted amount has no more decimals than the clinic''s currency (%: %).', v_currency, app_public.currency_decimals(v_currency)
      using errcode = 'CINVL';
  end if;
  -- a count given as null is none counted, as one left out is; the notes as they are kept
  v_request := jsonb_build_object('business_date', close_day.business_date,
    'counted_cash', coalesce(close_day.counted_cash, 0), 'counted_card', coalesce(close_day.counted_card, 0),
    'counted_bank_transfer', coalesce(close_day.counted_bank_transfer, 0), 'counted_mobile_money', coalesce(close_day.counted_mobile_money, 0),
    'counted_insurance', coalesce(close_day.counted_insurance, 0), 'notes', v_notes);
  -- the same key again: the day as it is now, not closed again (after a reopening since, say)
  v_day := app_private.business_day_key_answer(v_clinic, close_day.idempotency_key, 'close', v_request);
  if v_day.id is not null then
    return v_day;
  end if;
  -- Waits for the day's payments and refunds in flight; new ones wait for us (tg__money_day).
  perform app_private.lock_business_day(v_clinic, close_day.business_date, true);
  -- a day before the clinic existed is made a day to count only when it has money (as the hourly run opens one);
  -- one that has a row already (opened, or closed and reopened) is closed as any other
  if not exists (select from app_public.daily_reconciliation d where d.clinic_id = v_clinic and d.business_date = close_day.business_date) then
    v_first := app_private.first_day_after_day_without_money(v_clinic, close_day.business_date);
    if v_first is not null then
      raise exception 'The clinic''s first business day is %: a day before it is closed only when it has payments or refunds, and % has none.',
        v_first, close_day.business_date using errcode = 'CINVL';
    end if;
  end if;
  insert into app_public.daily_reconciliation (clinic_id, business_date) values (v_clinic, close_day.business_date)
  on conflict on constraint daily_reconciliation_clinic_id_business_date_key do nothing;
  select * into v_day from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.business_date = close_day.business_date for update;
  if v_day.status = 'closed' then
    -- the same close again (a double click, a retry after a timeout whose first attempt went through):
    -- the day as it was closed, not a refusal of what was done
    if (v_day.counted_cash, v_day.counted_card, v_day.counted_bank_transfer, v_day.counted_mobile_money, v_day.counted_insurance)
       = (coalesce(close_day.counted_cash, 0), coalesce(close_day.counted_card, 0), coalesce(close_day.counted_bank_transfer, 0),
          coalesce(close_day.counted_mobile_money, 0), coalesce(close_day.counted_insurance, 0))
       and (v_notes is null or v_day.notes is not distinct from v_notes) then
      return app_private.business_day_key_kept(v_clinic, close_day.idempotency_key, 'close', v_request, v_day);
    end if;
    raise exception 'This business day is already closed, with other counts or notes: an owner reopens it to count again.' using errcode = 'CDAYC';
  end if;
  -- its expected totals and close stamps are the status's (tg_daily_reconciliation__lifecycle)
  update app_public.daily_reconciliation d set
    -- a count given as null is none counted, as one left out is
    status = 'closed', counted_cash = coalesce(close_day.counted_cash, 0), counted_card = coalesce(close_day.counted_card, 0),
    counted_bank_transfer = coalesce(close_day.counted_bank_transfer, 0), counted_mobile_money = coalesce(close_day.counted_mobile_money, 0),
    counted_insurance = coalesce(close_day.counted_insurance, 0), notes = coalesce(v_notes, d.notes)
  where d.clinic_id = v_clinic and d.id = v_day.id
  returning * into v_day;
  return app_private.business_day_key_kept(v_clinic, close_day.idempotency_key, 'close', v_request, v_day);
end;
$$;

comment on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text, text) is 'Records what was counted for a business day and closes it: its payments and refunds are frozen from then on (DAY_CLOSED). The same close again (the same counts, and notes when given) answers the day as it was closed; other counts or notes on a closed day are DAY_CLOSED. With an idempotency key, the same key again answers the day as it is now, not closing it again (a retry after an owner reopened the day leaves it open); the same key with another day, counts or notes, or a reopening''s key, is CONFLICT; a key of white space alone is INVALID_INPUT. A day before the clinic''s first local day with no payment or refund, and no row yet, is INVALID_INPUT naming the first day. Owners, admins and cashiers.';
revoke all on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text, text) from public;
grant execute on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text, text) to :DATABASE_VISITOR;

create or replace function app_public.reopen_day(business_date date, reason text, idempotency_key text DEFAULT NULL::text) RETURNS app_public.daily_reconciliation
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET "clinicops.include_deleted" TO 'off'
    SET "clinicops.every_clinic" TO 'off'
    SET "clinicops.reinvitation" TO 'off'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_reason text := app_hidden.text_or_null(reason);
  v_day app_public.daily_reconciliation;
  v_request jsonb := jsonb_build_object('business_date', reopen_day.business_date, 'reason', v_reason);
begin
  if not app_hidden.current_role_in('owner') then
    raise exception 'Only an owner can reopen a closed day.' using errcode = 'CFORB';
  end if;
  if coalesce(app_hidden.name_as_meant(reason), '') = '' then
    raise exception 'A reason is required to reopen a day.' using errcode = 'CINVL';
  end if;
  perform app_private.check_idempotency_key(reopen_day.idempotency_key, 'reopening of a day');
  -- the same key again: the day as it is now, not reopened again (after a close since, say)
  v_day := app_private.business_day_key_answer(v_clinic, reopen_day.idempotency_key, 'reopen', v_request);
  if v_day.id is not null then
    return v_day;
  end if;
  -- Waits for a close or a payment of the day in flight; a payment arriving meanwhile waits for the day to be
  -- open again (it was refused as of a closed day), as a close arriving meanwhile waits to close it again.
  perform app_private.lock_business_day(v_clinic, reopen_day.business_date, true);
  select * into v_day from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.business_date = reopen_day.business_date for update;
  if v_day.status = 'closed' then
    -- its stamps are the status's (tg_daily_reconciliation__lifecycle)
    update app_public.daily_reconciliation d set status = 'open', reopen_reason = v_reason
    where d.clinic_id = v_clinic and d.id = v_day.id
    returning * into v_day;
  -- an open day is the same reopening again (a double click, a retry after a timeout whose first attempt went
  -- through) when it was reopened for the same reason: the day as it was reopened, as a close sent again answers
  -- the day as it was closed
  elsif v_day.status is distinct from 'open' or v_day.reopen_reason is distinct from v_reason then
    raise exception 'No closed day on that date in this clinic.' using errcode = 'CNOTF';
  end if;
  return app_private.business_day_key_kept(v_clinic, reopen_day.idempotency_key, 'reopen', v_request, v_day);
end;
$$;

comment on function app_public.reopen_day(date, text, text) is 'Reopens a closed business day with a reason (audited). Owners only. Waits for a close or a payment of that day in flight; a payment or close of that day made meanwhile waits for it. The same reopening again (the same reason, the day still open) answers the day as it was reopened. With an idempotency key, the same key again answers the day as it is now, not reopening it again (a retry after a cashier closed the day leaves it closed); the same key with another day or reason, or a close''s key, is CONFLICT; a key of white space alone is INVALID_INPUT.';
revoke all on function app_public.reopen_day(date, text, text) from public;
grant execute on function app_public.reopen_day(date, text, text) to :DATABASE_VISITOR;
