--! Previous: sha1:9d3d9544d60ed993f17f3e25e29f6e434798d84c
--! Hash: sha1:1f22ff57956e44932fdc81689fbd3d041af16cd3
--! Message: A day before the clinic existed is not closed by hand either, unless it has money

-- A day before the clinic existed is not closed by hand either, unless it has money
--
-- 000265 stopped the hourly run opening days before a clinic's first local day, but a manager could still close
-- one by hand (closeDay on a date before the clinic was created, a typo of the year or a date picker's default):
-- the close made a reconciliation day of nothing, counted and closed, before the clinic existed, listed among the
-- clinic's cash-ups (the API, the reconciliation PDF, reporting.reconciliations) and kept for good. Such a close
-- is now INVALID_INPUT naming the clinic's first day, unless the day has payments or refunds (money dated back, or
-- a day a change of time zone put before that date), as 000265's rule for the hourly run says, or already has a
-- row (a day opened before 000265, or closed and reopened, is closed as any other). One rule for both, in one
-- function. reopenDay needs none: it reopens only a day that is closed, and makes none.
create or replace function app_private.first_day_after_day_without_money(clinic_id uuid, business_day date) returns date
    language plpgsql stable security definer
    set search_path to pg_catalog, public, pg_temp
    as $$
begin
  return (select (c.created_at at time zone c.timezone)::date from app_public.clinic c
          where c.id = first_day_after_day_without_money.clinic_id
            and business_day < (c.created_at at time zone c.timezone)::date
            and not exists (select from app_private.daily_money m
                            where m.clinic_id = c.id and m.business_date = business_day and m.movements > 0));
end;
$$;
comment on function app_private.first_day_after_day_without_money(uuid, date) is 'The clinic''s first local day (the date of its creation in its time zone as it is now) when business_day is before it and has no payment or refund: a day that is not one to count (open_reconciliation_of does not open it, close_day does not close it). Null otherwise: a day from the first on, or one with money.';
revoke all on function app_private.first_day_after_day_without_money(uuid, date) from public;

create or replace function app_private.open_reconciliation_of(clinic_id uuid, business_day date) returns integer
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_written integer;
begin
  -- the day's payments and refunds in flight commit first, and those that come now wait for this
  -- transaction: the totals below are read after them
  perform app_private.lock_business_day(open_reconciliation_of.clinic_id, business_day, true);
  -- a day before the clinic existed, with no money, is not one to count
  if app_private.first_day_after_day_without_money(open_reconciliation_of.clinic_id, business_day) is not null then
    return 0;
  end if;
  begin
    insert into app_public.daily_reconciliation as r
      (clinic_id, business_date, expected_cash, expected_card, expected_bank_transfer, expected_mobile_money, expected_insurance)
    select open_reconciliation_of.clinic_id, business_day, t.cash, t.card, t.bank_transfer, t.mobile_money, t.insurance
    from app_private.expected_totals(open_reconciliation_of.clinic_id, business_day) t
    on conflict on constraint daily_reconciliation_clinic_id_business_date_key do update set
      expected_cash = excluded.expected_cash, expected_card = excluded.expected_card,
      expected_bank_transfer = excluded.expected_bank_transfer, expected_mobile_money = excluded.expected_mobile_money,
      expected_insurance = excluded.expected_insurance
    where r.status = 'open'
      and (r.expected_cash, r.expected_card, r.expected_bank_transfer, r.expected_mobile_money, r.expected_insurance)
          is distinct from (excluded.expected_cash, excluded.expected_card, excluded.expected_bank_transfer,
                            excluded.expected_mobile_money, excluded.expected_insurance);
    get diagnostics v_written = row_count;
  exception when numeric_value_out_of_range then
    raise warning 'The business day % of clinic % is not opened: its payments'' totals pass the largest a day holds (9999999999999.999).',
      business_day, open_reconciliation_of.clinic_id;
    v_written := 0;
  end;
  return v_written;
end;
$$;

comment on function app_private.open_reconciliation_of(uuid, date) is 'Opens (or refreshes, while open) one clinic''s reconciliation of one business day, with its expected totals per method, once the day''s payments and refunds in flight have committed (it takes the day''s lock exclusively, as a close does). A day before the clinic''s first local day (the date of its creation in its time zone) is opened only when it has payments or refunds. A day whose totals pass what a day holds is passed over with a warning naming the clinic. Returns how many rows it wrote (0 or 1). For open_reconciliation and open_reconciliations.';
revoke all on function app_private.open_reconciliation_of(uuid, date) from public;

create or replace function app_public.close_day(business_date date, counted_cash numeric DEFAULT 0, counted_card numeric DEFAULT 0, counted_bank_transfer numeric DEFAULT 0, counted_mobile_money numeric DEFAULT 0, counted_insurance numeric DEFAULT 0, notes text DEFAULT NULL::text) RETURNS app_public.daily_reconciliation
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_day app_public.daily_reconciliation;
  v_currency text := (select c.currency from app_public.clinic c where c.id = v_clinic);
  -- notes of white space alone (a close form's field left blank) are none given: the day keeps its own
  v_notes text := case when app_hidden.text_or_null(close_day.notes) is not null then close_day.notes end;
  v_first date; -- the clinic's first local day, when the day asked for is one before it without money
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can close a day.' using errcode = 'CFORB';
  end if;
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
      return v_day;
    end if;
    raise exception 'This business day is already closed, with other counts or notes: an owner reopens it to count again.' using errcode = 'CDAYC';
  end if;
  perform app_private.refresh_reconciliation(v_clinic, close_day.business_date);
  update app_public.daily_reconciliation d set
    -- a count given as null is none counted, as one left out is
    status = 'closed', counted_cash = coalesce(close_day.counted_cash, 0), counted_card = coalesce(close_day.counted_card, 0),
    counted_bank_transfer = coalesce(close_day.counted_bank_transfer, 0), counted_mobile_money = coalesce(close_day.counted_mobile_money, 0),
    counted_insurance = coalesce(close_day.counted_insurance, 0), notes = coalesce(v_notes, d.notes),
    closed_at = now(), closed_by = app_public.current_user_id()
  where d.clinic_id = v_clinic and d.id = v_day.id
  returning * into v_day;
  return v_day;
end;
$$;

comment on function app_public.close_day(business_date date, counted_cash numeric, counted_card numeric, counted_bank_transfer numeric, counted_mobile_money numeric, counted_insurance numeric, notes text) is 'Records what was counted for a business day and closes it: its payments and refunds are frozen from then on (DAY_CLOSED). The same close again (the same counts, and notes when given) answers the day as it was closed; other counts or notes on a closed day are DAY_CLOSED. A day before the clinic''s first local day with no payment or refund, and no row yet, is INVALID_INPUT naming the first day. Owners, admins and cashiers.';
