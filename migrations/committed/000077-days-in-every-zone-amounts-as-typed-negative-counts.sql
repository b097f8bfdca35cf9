--! Previous: sha1:b7eea918811f93bc6727aa67eab3f69564c1521f
--! Hash: sha1:a99e6e4cd9bd24070afe32ae2ebb37d1ee26ed75
--! Message: days in every zone amounts as typed negative counts

-- The dashboard's revenue per day lists every day of the period in every time zone: the days were
-- a series of instants in the session's zone, and where summer time starts at midnight (Santiago,
-- Cairo, Havana, Beirut) the missing midnight moved the series to 01:00, which then stopped before
-- the period's last day. A series of dates without a zone has no such hole.

create or replace function app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) RETURNS app_public.dashboard
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_clinic uuid := dashboard_for.clinic_id;
  v_result app_public.dashboard;
begin
  with per_day as (
    select m.business_date, sum(m.amount) as amount from app_private.daily_money m
    where m.clinic_id = v_clinic and m.business_date between from_date and to_date group by m.business_date
  )
  select (select coalesce(sum(amount), 0) from per_day),
    (select jsonb_agg(jsonb_build_object('date', g::date, 'amount', coalesce(p.amount, 0)::numeric(16,3)::text) order by g)
     from generate_series(from_date::timestamp, to_date::timestamp, interval '1 day') g left join per_day p on p.business_date = g::date),
    (select coalesce(jsonb_agg(jsonb_build_object('method', method, 'amount', amount::text) order by method), '[]')
     from (select m.method, sum(m.amount) as amount from app_private.daily_money m
           where m.clinic_id = v_clinic and m.business_date between from_date and to_date group by m.method) x)
  into v_result.revenue, v_result.revenue_by_day, v_result.revenue_by_method;

  select coalesce(jsonb_agg(jsonb_build_object('status', status, 'count', n) order by status), '[]')
  into v_result.visits_by_status
  from (select d.status, sum(d.visits) as n from app_private.daily_visits d
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date group by d.status having sum(d.visits) > 0) x;

  select coalesce(jsonb_agg(jsonb_build_object('doctorId', doctor_id, 'name', full_name, 'count', n) order by n desc, full_name), '[]')
  into v_result.visits_by_doctor
  from (select d.doctor_id, u.full_name, sum(d.visits) as n
        from app_private.daily_visits d
        join app_public.membership m on m.clinic_id = d.clinic_id and m.id = d.doctor_id
        join app_public."user" u on u.id = m.user_id
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date
        group by d.doctor_id, u.full_name having sum(d.visits) > 0) x;

  select coalesce(sum(d.patients), 0) into v_result.new_patients from app_private.daily_patients d
  where d.clinic_id = v_clinic and d.local_date between from_date and to_date;

  select coalesce(jsonb_agg(jsonb_build_object('serviceId', service_id, 'name', name, 'quantity', quantity, 'amount', amount::text) order by amount desc, name), '[]')
  into v_result.top_services
  from (select d.service_id, s.name, sum(d.quantity) as quantity, sum(d.amount) as amount
        from app_private.daily_services d
        join app_public.service s on s.clinic_id = d.clinic_id and s.id = d.service_id
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date
        group by d.service_id, s.name having sum(d.quantity) > 0
        order by amount desc, s.name limit 5) x;

  select coalesce(sum(i.balance), 0) into v_result.outstanding_balance from app_public.invoice i
  where i.clinic_id = v_clinic and i.status in ('issued', 'partially_paid');

  select round(sum(d.completed_value) / nullif(sum(d.visits), 0),
    (select app_public.currency_decimals(c.currency) from app_public.clinic c where c.id = v_clinic))
  into v_result.average_visit_value
  from app_private.daily_visits d
  where d.clinic_id = v_clinic and d.status = 'completed' and d.local_date between from_date and to_date;

  return v_result;
end;
$$;

-- A payment or refund of more decimals than the database keeps (1.0004, 10.1235) is refused, as one of
-- more decimals than its currency is: stored in numeric(16,3) it became 1.000 and 10.124 before the
-- trigger that checks the currency's decimals could see it (and a retry with the same idempotency key
-- and amount was then a CONFLICT). The rule is one function, for the amount as typed and for the row.

create or replace function app_private.check_currency_decimals(amount numeric, currency text, whole numeric) returns void
    language plpgsql immutable
    as $$
begin
  if amount <> round(amount, app_public.currency_decimals(currency)) and amount is distinct from whole then
    raise exception 'An amount has no more decimals than the invoice''s currency (%: %).', currency, app_public.currency_decimals(currency)
      using errcode = 'CINVL';
  end if;
end;
$$;
comment on function app_private.check_currency_decimals(amount numeric, currency text, whole numeric) is
  'Refuses (INVALID_INPUT) an amount of a payment or refund finer than its currency''s decimals, unless it is `whole`: all of the invoice''s balance, or all that is left of the payment. Called on the amount as typed by record_payment and refund_payment, and on the row by their trigger.';

create or replace function app_private.tg_money__in_currency_decimals() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_currency text;
  v_all numeric; -- the whole balance, or all that is left of the payment
begin
  if tg_table_name = 'payment' then
    select i.currency, i.balance into v_currency, v_all
    from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  else
    select i.currency, p.amount - app_public.payment_refunded_amount(p) into v_currency, v_all
    from app_public.payment p join app_public.invoice i on i.clinic_id = p.clinic_id and i.id = p.invoice_id
    where p.clinic_id = new.clinic_id and p.id = new.payment_id;
  end if;
  perform app_private.check_currency_decimals(new.amount, v_currency, v_all);
  return new;
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
  -- as typed: stored in numeric(16,3), 1.0004 would be 1.000 before any trigger could tell
  perform app_private.check_currency_decimals(amount, v_invoice.currency, v_invoice.balance);

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
  if amount > v_invoice.balance then
    -- the balance as data too (extensions.balance), in the API's money form: the text of numeric(16,3)
    raise exception 'This payment of % is more than the balance of %.', amount, v_invoice.balance
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

create or replace function app_public.refund_payment(payment_id uuid, amount numeric, reason text) RETURNS app_public.refund
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_payment app_public.payment;
  v_refund app_public.refund;
  v_left numeric;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can refund.' using errcode = 'CFORB';
  end if;
  if amount is null or amount <= 0 or amount = 'NaN' or amount = 'Infinity' then
    raise exception 'A refund must be a number more than zero.' using errcode = 'CINVL';
  end if;
  if nullif(btrim(reason), '') is null then
    raise exception 'A reason is required to refund.' using errcode = 'CINVL';
  end if;
  select * into v_payment from app_public.payment p where p.clinic_id = v_clinic and p.id = refund_payment.payment_id for update;
  if v_payment.id is null then
    raise exception 'No such payment in this clinic.' using errcode = 'CNOTF';
  end if;
  -- The payment's row lock (above) orders concurrent refunds of it.
  v_left := v_payment.amount - app_public.payment_refunded_amount(v_payment);
  -- as typed: stored in numeric(16,3), 1.0004 would be 1.000 before any trigger could tell
  perform app_private.check_currency_decimals(amount, (select i.currency from app_public.invoice i
    where i.clinic_id = v_clinic and i.id = v_payment.invoice_id), v_left);
  if amount > v_left then
    -- what is left as data too (extensions.refundable), in the API's money form: the text of numeric(16,3)
    raise exception 'A refund of % is more than the % left of this payment.', amount, v_left
      using errcode = 'CRFND', detail = json_build_object('refundable', v_left::numeric(16,3)::text)::text;
  end if;
  perform 1 from app_public.invoice i where i.clinic_id = v_clinic and i.id = v_payment.invoice_id for update;
  insert into app_public.refund (clinic_id, payment_id, invoice_id, amount, method, reason, refunded_by)
  values (v_clinic, v_payment.id, v_payment.invoice_id, amount, v_payment.method, btrim(reason), app_public.current_user_id())
  returning * into v_refund;
  return v_refund;
end;
$$;

-- A clinic's time zone cannot change to one where a closed business day has not started yet: the day
-- stayed closed, and every payment of that day, once it came, was refused (DAY_CLOSED) until an owner
-- reopened it; reports showed it closed before it began (exploratory test: New York to Kiritimati,
-- tomorrow's day closed there, back to New York).
create or replace function app_private.tg_clinic__no_closed_day_ahead() returns trigger
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    as $$
declare
  v_day date;
begin
  -- after the row's checks: the new zone is a valid one
  select max(d.business_date) into v_day from app_public.daily_reconciliation d
  where d.clinic_id = new.id and d.status = 'closed' and d.business_date > (now() at time zone new.timezone)::date;
  if v_day is not null then
    raise exception 'The business day % is closed and would not have started yet in %: reopen it first.', v_day, new.timezone
      using errcode = 'CINVL';
  end if;
  return null;
end;
$$;
comment on function app_private.tg_clinic__no_closed_day_ahead() is
  'Trigger: refuses (INVALID_INPUT) a time zone in which a closed business day of the clinic has not started yet; reopen the day first.';

drop trigger if exists _600_no_closed_day_ahead on app_public.clinic;
create trigger _600_no_closed_day_ahead after update of timezone on app_public.clinic
  for each row when (old.timezone is distinct from new.timezone) execute function app_private.tg_clinic__no_closed_day_ahead();
comment on trigger _600_no_closed_day_ahead on app_public.clinic is
  'A closed business day has started in the clinic''s time zone (tg_clinic__no_closed_day_ahead).';

-- close_day refuses a day before 2000, as visits are booked from 2000: closing 0001-01-01 or 1900-01-01
-- made closed reconciliations of days no clinic had, and 4714 BC was told "A time zone offset is out of
-- range" (exploratory test).
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

-- Counted amounts may be negative, as expected ones are: a day whose refunds exceed its takings
-- (the day after a large payment taken by mistake) expects, say, -843 in cash, and the cashier who
-- counted exactly that could only enter 0, which closed the day with a surplus of 843 (exploratory test).
alter table app_public.daily_reconciliation
  drop constraint if exists daily_reconciliation_counted_cash_check,
  drop constraint if exists daily_reconciliation_counted_card_check,
  drop constraint if exists daily_reconciliation_counted_bank_transfer_check,
  drop constraint if exists daily_reconciliation_counted_mobile_money_check,
  drop constraint if exists daily_reconciliation_counted_insurance_check;
comment on column app_public.daily_reconciliation.counted_cash is
  'The day''s cash as counted: what is in the drawer less its opening float; negative when more cash was refunded than taken.';
comment on column app_public.daily_reconciliation.counted_card is
  'The day''s card total from the terminal; negative when card refunds exceed card payments.';
comment on column app_public.daily_reconciliation.counted_bank_transfer is
  'The day''s bank transfers seen on the statement; negative when refunds exceed them.';
comment on column app_public.daily_reconciliation.counted_mobile_money is
  'The day''s mobile money seen on the statement; negative when refunds exceed it.';
comment on column app_public.daily_reconciliation.counted_insurance is
  'The day''s insurance amounts confirmed; negative when refunds exceed them.';
