--! Previous: sha1:c63f7bdaf4de9af84d110db6e66057d4ab57834f
--! Hash: sha1:06e30e87157f307ae515a8d42373d3cc9819c3d8
--! Message: retries of finer balances, closes and zones take turns

-- From a review of 000077. A retry (same idempotency key) of a payment that took a whole balance finer
-- than the currency (1000.5 yen, lines from before 000022) was refused by the check of the amount as
-- typed, which came before the retry's lookup and saw a balance of 0; it also answered a draft's or a
-- void invoice's finer payment with the decimals instead of the invoice's state. And close_day read
-- the clinic's time zone without a lock: racing a change of zone, it closed a day that had not started
-- in the new one. They now take turns on a lock of the clinic's time zone (shared by closes, exclusive for a
-- change), as a change of currency and new invoices do on one of its currency: one function for both.

create or replace function app_private.lock_clinic_setting(clinic_id uuid, setting text, exclusive boolean) returns void
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  if exclusive then
    perform pg_advisory_xact_lock(hashtextextended(setting || ':' || lock_clinic_setting.clinic_id, 0));
  else
    perform pg_advisory_xact_lock_shared(hashtextextended(setting || ':' || lock_clinic_setting.clinic_id, 0));
  end if;
end;
$$;
comment on function app_private.lock_clinic_setting(clinic_id uuid, setting text, exclusive boolean) is
  'Locks a setting of a clinic until the end of the transaction: exclusive for a change of it, shared for what must see it unchanged (the currency for a new invoice, the time zone for a close of a day).';

create or replace function app_private.lock_clinic_currency(clinic_id uuid, exclusive boolean) returns void
    language plpgsql
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
begin
  perform app_private.lock_clinic_setting(lock_clinic_currency.clinic_id, 'currency', exclusive);
end;
$$;

create or replace function app_private.tg_clinic__no_closed_day_ahead() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_day date;
begin
  -- after the row's checks: the new zone is a valid one; closes under way finish first, later ones wait
  perform app_private.lock_clinic_setting(new.id, 'time zone', true);
  select max(d.business_date) into v_day from app_public.daily_reconciliation d
  where d.clinic_id = new.id and d.status = 'closed' and d.business_date > (now() at time zone new.timezone)::date;
  if v_day is not null then
    raise exception 'The business day % is closed and would not have started yet in %: reopen it first.', v_day, new.timezone
      using errcode = 'CINVL';
  end if;
  return null;
end;
$$;

create or replace function app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text DEFAULT NULL::text, idempotency_key text DEFAULT NULL::text, received_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS app_public.payment
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_invoice app_public.invoice;
  v_payment app_public.payment;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can take payments.' using errcode = 'CFORB';
  end if;
  if amount is null or amount <= 0 or amount = 'NaN' or amount = 'Infinity' then
    raise exception 'A payment must be a number more than zero.' using errcode = 'CINVL';
  end if;
  if amount > 9999999999999.999 then
    raise exception 'A payment is at most 9999999999999.999.' using errcode = 'CINVL';
  end if;
  if method is null then
    raise exception 'A payment method is required.' using errcode = 'CINVL';
  end if;
  if record_payment.received_at > now() + interval '5 minutes' then
    raise exception 'A payment cannot be received in the future.' using errcode = 'CINVL';
  end if;

  -- The invoice's row lock orders concurrent payments: each sees the balance the previous left.
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = v_clinic and i.id = record_payment.invoice_id for update;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;

  if idempotency_key is not null then
    select * into v_payment from app_public.payment p where p.clinic_id = v_clinic and p.idempotency_key = record_payment.idempotency_key;
    if v_payment.id is not null then
      if (v_payment.invoice_id, v_payment.amount, v_payment.method) is distinct from (v_invoice.id, record_payment.amount, record_payment.method) then
        raise exception 'This idempotency key was already used for a different payment.' using errcode = 'CCONF';
      end if;
      return v_payment; -- a retry: the same payment, charged once
    end if;
  end if;

  if v_invoice.status = 'draft' then
    raise exception 'Issue the invoice before taking payments.' using errcode = 'CINVL';
  elsif v_invoice.status = 'void' then
    raise exception 'A void invoice cannot be paid.' using errcode = 'CINVL';
  end if;
  -- now() when not given; a payment is not backdated past its invoice (to a day before the clinic opened, say,
  -- which no one closes, the drawer's cash kept out of today's count), with the future's 5 minutes of clocks apart
  if record_payment.received_at < v_invoice.created_at - interval '5 minutes' then
    raise exception 'A payment cannot be received before its invoice was made (%).', to_char(v_invoice.created_at, 'YYYY-MM-DD HH24:MI')
      using errcode = 'CINVL';
  end if;
  -- as typed: stored in numeric(16,3), 1.0004 would be 1.000 before any trigger could tell; after a retry's
  -- lookup (a payment of the whole balance, finer than the currency, leaves a balance of 0 behind it)
  perform app_private.check_currency_decimals(amount, v_invoice.currency, v_invoice.balance);
  if amount > v_invoice.balance then
    -- the balance as data too (extensions.balance), in the API's money form: the text of numeric(16,3)
    raise exception 'This payment of % is more than the balance of %.', amount, app_private.money_text(v_invoice.balance, v_invoice.currency)
      using errcode = 'COVPY', detail = json_build_object('balance', v_invoice.balance::numeric(16,3)::text)::text;
  end if;

  insert into app_public.payment (clinic_id, invoice_id, amount, method, reference, idempotency_key, received_at, received_by)
  values (v_clinic, v_invoice.id, amount, method, nullif(btrim(reference), ''), idempotency_key,
          -- within the 5 minutes before its invoice was made: at that time, on the invoice's business day
          greatest(coalesce(record_payment.received_at, now()), v_invoice.created_at), app_public.current_user_id())
  returning * into v_payment;
  return v_payment;
end;
$$;

create or replace function app_public.close_day(business_date date, counted_cash numeric DEFAULT 0, counted_card numeric DEFAULT 0, counted_bank_transfer numeric DEFAULT 0, counted_mobile_money numeric DEFAULT 0, counted_insurance numeric DEFAULT 0, notes text DEFAULT NULL::text) RETURNS app_public.daily_reconciliation
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_day app_public.daily_reconciliation;
  v_currency text := (select c.currency from app_public.clinic c where c.id = v_clinic);
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can close a day.' using errcode = 'CFORB';
  end if;
  -- the clinic's time zone as it is once a change of it under way is done (and a change waits for this close):
  -- a close must not pass a change to a zone in which its day has not started
  perform app_private.lock_clinic_setting(v_clinic, 'time zone', false);
  if business_date is null or business_date > app_hidden.business_date(v_clinic, now()) then
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
  insert into app_public.daily_reconciliation (clinic_id, business_date) values (v_clinic, close_day.business_date)
  on conflict on constraint daily_reconciliation_clinic_id_business_date_key do nothing;
  select * into v_day from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.business_date = close_day.business_date for update;
  if v_day.status = 'closed' then
    raise exception 'This business day is already closed.' using errcode = 'CDAYC';
  end if;
  perform app_private.refresh_reconciliation(v_clinic, close_day.business_date);
  update app_public.daily_reconciliation d set
    status = 'closed', counted_cash = close_day.counted_cash, counted_card = close_day.counted_card,
    counted_bank_transfer = close_day.counted_bank_transfer, counted_mobile_money = close_day.counted_mobile_money,
    counted_insurance = close_day.counted_insurance, notes = coalesce(close_day.notes, d.notes),
    closed_at = now(), closed_by = app_public.current_user_id()
  where d.clinic_id = v_clinic and d.id = v_day.id
  returning * into v_day;
  return v_day;
end;
$$;
