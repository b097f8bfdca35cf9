--! Previous: sha1:cac03e50deef3ad8a5de94b7b9e7bbc1787e4a82
--! Hash: sha1:10468639e40ebb9d70b841620c8ff3a18f6297c4
--! Message: the same close sent again is answered for a day that keeps a count null

-- The same close sent again is answered for a day that keeps a count null, not refused as other counts
--
-- A closed day's count kept null is 0 in its totals, its differences and its sheet (a close before the counts left out
-- were written as 0 kept them null; an operator's close by its status, or a day inserted closed, names the counts it
-- has, the cash alone say, and the others stay null), but close_day compared its counts with the close asked as they
-- were, null with 0: the very close sent again (close_day('2026-04-11') retried, a double click, a cashier closing in
-- the app a day the till's import closed with the same cash) was refused DAY_CLOSED "already closed, with other counts
-- or notes". Each kept count is now compared as the 0 it counts for.

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
    -- a count the day keeps null (a close before 000102 left it out, an operator's close by its status named it not) is
    -- 0, as the day's totals count it: compared as null, the very close sent again was refused as other counts
    if (coalesce(v_day.counted_cash, 0), coalesce(v_day.counted_card, 0), coalesce(v_day.counted_bank_transfer, 0),
        coalesce(v_day.counted_mobile_money, 0), coalesce(v_day.counted_insurance, 0))
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
alter function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text, text) owner to :DATABASE_OWNER;
comment on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text, text) is 'Records what was counted for a business day and closes it: its payments and refunds are frozen from then on (DAY_CLOSED). The same close again (the same counts, a count left out or null being 0, as one the day keeps null is: a close before the counts were written as 0, an operator''s close by its status naming some; and notes when given) answers the day as it was closed; other counts or notes on a closed day are DAY_CLOSED. With an idempotency key, the same key again answers the day as it is now, not closing it again (a retry after an owner reopened the day leaves it open); the same key with another day, counts or notes, or a reopening''s key, is CONFLICT; a key of white space alone is INVALID_INPUT. A day before the clinic''s first local day with no payment or refund, and no row yet, is INVALID_INPUT naming the first day. Owners, admins and cashiers.';
revoke all on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text, text) from public;
grant all on function app_public.close_day(date, numeric, numeric, numeric, numeric, numeric, text, text) to :DATABASE_VISITOR;
