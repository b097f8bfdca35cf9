-- A payment's reference is kept without the white space of any kind around it
--
-- recordPayment and a correction (updatePayment) trimmed a reference of spaces only (btrim): one pasted from a
-- spreadsheet or a bank's page with a tab, a line break or a no-break space around it kept them, so a search or a
-- match of the slip's number missed it, and a reference of such white space alone was kept as one that says
-- nothing instead of none. A reference is now kept as the codebase keeps free text (app_hidden.text_or_null:
-- without the white space of any kind around it, none when nothing else is left), when taken, when corrected and
-- when a retry of the payment is compared with it; the references kept before are trimmed so (each audited), on
-- a closed day too: a reference's white space is no money, and the day's amounts, methods and times stay as counted.
-- A refund has no reference, and its reason is kept through text_or_null since 000169 (refundPayment is the only
-- way a refund is written).
create or replace function app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text DEFAULT NULL::text, idempotency_key text DEFAULT NULL::text, received_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS app_public.payment
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_invoice app_public.invoice;
  v_payment app_public.payment;
  v_issued timestamptz; -- when the invoice was issued (one issued before issued_at was kept: when it was made)
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can take payments.' using errcode = 'CFORB';
  end if;
  perform app_private.check_money_amount(amount, 'payment');
  if method is null then
    raise exception 'A payment method is required.' using errcode = 'CINVL';
  end if;
  perform app_private.check_idempotency_key(record_payment.idempotency_key, 'payment');

  -- The invoice's row lock orders concurrent payments: each sees the balance the previous left.
  select * into v_invoice from app_public.invoice i
  where i.clinic_id = v_clinic and i.id = record_payment.invoice_id for update;
  if v_invoice.id is null then
    raise exception 'No such invoice in this clinic.' using errcode = 'CNOTF';
  end if;

  if idempotency_key is not null then
    select * into v_payment from app_public.payment p where p.clinic_id = v_clinic and p.idempotency_key = record_payment.idempotency_key;
    if v_payment.id is not null then
      -- the reference as it is kept: a retry sends the same; another (a second card slip) is another payment
      if (v_payment.invoice_id, v_payment.amount, v_payment.method, v_payment.reference)
         is distinct from (v_invoice.id, record_payment.amount, record_payment.method, app_hidden.text_or_null(record_payment.reference)) then
        raise exception 'This idempotency key was already used for a different payment.' using errcode = 'CCONF';
      end if;
      return v_payment; -- a retry: the same payment, charged once
    end if;
  end if;

  -- after a retry's lookup: a retry answers its payment whatever time its till's clock now gives
  if record_payment.received_at > now() + interval '5 minutes' then
    raise exception 'A payment cannot be received in the future.' using errcode = 'CINVL';
  end if;
  if v_invoice.status = 'draft' then
    raise exception 'Issue the invoice before taking payments.' using errcode = 'CINVL';
  elsif v_invoice.status = 'void' then
    raise exception 'A void invoice cannot be paid.' using errcode = 'CINVL';
  end if;
  v_issued := coalesce(v_invoice.issued_at, v_invoice.created_at);
  -- now() when not given; a payment is not backdated past its invoice's issue (to a day before the clinic opened,
  -- say, or while the invoice was a draft no one could pay: days no one closes, the drawer's cash kept out of
  -- today's count), with the future's 5 minutes of clocks apart
  if record_payment.received_at < v_issued - interval '5 minutes' then
    raise exception 'A payment cannot be received before its invoice was issued (%).', app_hidden.local_time_text(v_clinic, v_issued)
      using errcode = 'CINVL';
  end if;
  -- as typed: stored in numeric(16,3), 1.0004 would be 1.000 before any trigger could tell; after a retry's
  -- lookup (a payment of the whole balance, finer than the currency, leaves a balance of 0 behind it)
  perform app_private.check_currency_decimals(amount, v_invoice.currency, v_invoice.balance);
  if amount > v_invoice.balance then
    -- the balance as data too (extensions.balance), in the API's money form: the text of numeric(16,3);
    -- both amounts in the currency's decimals (1000 was printed as typed next to a balance of 999.00)
    raise exception '%', case when v_invoice.balance = 0 then 'This invoice is paid in full: nothing is left to pay.'
        else format('This payment of %s is more than the balance of %s.', app_private.money_text(amount, v_invoice.currency),
                    app_private.money_text(v_invoice.balance, v_invoice.currency)) end
      using errcode = 'COVPY', detail = json_build_object('balance', v_invoice.balance::numeric(16,3)::text)::text;
  end if;

  insert into app_public.payment (clinic_id, invoice_id, amount, method, reference, idempotency_key, received_at, received_by)
  values (v_clinic, v_invoice.id, amount, method, app_hidden.text_or_null(reference), idempotency_key,
          -- within the 5 minutes before its invoice was issued: at that time, on the invoice's business day;
          -- within the 5 minutes ahead (a till's clock ahead of the database's): now, on today's
          greatest(least(coalesce(record_payment.received_at, now()), now()), v_issued), app_public.current_user_id())
  returning * into v_payment;
  return v_payment;
end;
$$;

comment on function app_public.record_payment(invoice_id uuid, amount numeric, method app_public.payment_method, reference text, idempotency_key text, received_at timestamp with time zone) is 'Takes a payment against an issued invoice: never more than its balance (OVERPAYMENT, with the balance in the error''s extensions.balance); with an idempotency key, a retry returns the first payment instead of charging again (the same key with another invoice, amount, method or reference is CONFLICT; a key of white space alone is INVALID_INPUT); refused on a closed day (DAY_CLOSED). The reference is kept without the white space of any kind around it, none when nothing else is left (app_hidden.text_or_null). receivedAt defaults to now, and is neither more than 5 minutes ahead (within them it is now: a till''s clock ahead) nor more than 5 minutes before the invoice was issued (within them, the invoice''s issue) (INVALID_INPUT). Owners, admins and cashiers.';

create or replace function app_private.tg_payment__guard() returns trigger
  language plpgsql
  as $$
begin
  if (new.invoice_id, new.amount, new.received_at, new.idempotency_key) is distinct from
     (old.invoice_id, old.amount, old.received_at, old.idempotency_key) then
    raise exception 'A payment''s invoice, amount and time never change: refund it instead.' using errcode = 'CINVL';
  end if;
  -- as record_payment keeps it: without the white space of any kind around it, none when nothing else is left
  new.reference := app_hidden.text_or_null(new.reference);
  return new;
end;
$$;

comment on function app_private.tg_payment__guard() is 'BEFORE UPDATE: only the method and reference of a payment may be corrected; the reference kept as record_payment keeps it (app_hidden.text_or_null: without the white space of any kind around it, none when nothing else is left).';

-- the references kept before with white space of any kind around them, or of white space alone, kept as a
-- reference is now (each audited); run again, it finds none
create or replace function app_private.trim_payment_references() returns integer
  language plpgsql
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_trimmed integer;
begin
  -- on a closed day too, past its freeze (tg__money_day, the one trigger that refuses it): the reference is
  -- no money, and the guard (tg_payment__guard) keeps amount, invoice and time as they were counted. The
  -- table is held for the statement (a trigger disabled), as a migration holds what it changes
  alter table app_public.payment disable trigger _300_money_day;
  -- one statement: the audit chains of its clinics are taken in the order of their ids (tg__audit_chains_in_order)
  update app_public.payment p set reference = app_hidden.text_or_null(p.reference)
  where p.reference is distinct from app_hidden.text_or_null(p.reference);
  get diagnostics v_trimmed = row_count;
  alter table app_public.payment enable trigger _300_money_day;
  return v_trimmed;
end;
$$;
comment on function app_private.trim_payment_references() is 'Keeps the payments'' references written before 000NNN as a reference is kept now (app_hidden.text_or_null: without the white space of any kind around them, none when nothing else is left), each change audited, on closed days too (their amounts, methods and times untouched). Returns how many. Run by 000NNN; an operator may run it again (it holds the payments table while it runs).';
revoke all on function app_private.trim_payment_references() from public;
select app_private.trim_payment_references();

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

-- The dashboard's top services and doctors in one order at every load
--
-- topServices (the five services billed most) and visitsByDoctor ranked by amount or count, then by name: two
-- services of one name (one deleted from the catalog and made again, or one name in two categories) or two doctors
-- of one name, tied, came in either order, so the list swapped them between loads, and at the fifth place of
-- topServices one or the other was left out; the monthly summary PDF, made from the same figures, could differ from
-- the screen. Each order now ends with the row's key (the service's, the doctor's membership), as lists that page do
-- (000270): ties are by name, then always in one order.
create or replace function app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) returns app_public.dashboard
  language plpgsql stable security definer
  set search_path to pg_catalog, public, pg_temp
as $$
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
    -- the methods money moved in (a method a payment was corrected away from keeps a row of none)
    (select coalesce(jsonb_agg(jsonb_build_object('method', method, 'amount', amount::text) order by method), '[]')
     from (select m.method, sum(m.amount) as amount from app_private.daily_money m
           where m.clinic_id = v_clinic and m.business_date between from_date and to_date group by m.method
           having sum(m.movements) > 0) x)
  into v_result.revenue, v_result.revenue_by_day, v_result.revenue_by_method;

  select coalesce(jsonb_agg(jsonb_build_object('status', status, 'count', n) order by status), '[]')
  into v_result.visits_by_status
  from (select d.status, sum(d.visits) as n from app_private.daily_visits d
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date group by d.status having sum(d.visits) > 0) x;

  -- two doctors of one name and count in one order at every load: the order ends with the member's key
  select coalesce(jsonb_agg(jsonb_build_object('doctorId', doctor_id, 'name', full_name, 'count', n) order by n desc, full_name collate "und-x-icu", doctor_id), '[]')
  into v_result.visits_by_doctor
  from (select d.doctor_id, u.full_name, sum(d.visits) as n
        from app_private.daily_visits d
        join app_public.membership m on m.clinic_id = d.clinic_id and m.id = d.doctor_id
        join app_public."user" u on u.id = m.user_id
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date
        group by d.doctor_id, u.full_name having sum(d.visits) > 0) x;

  select coalesce(sum(d.patients), 0) into v_result.new_patients from app_private.daily_patients d
  where d.clinic_id = v_clinic and d.local_date between from_date and to_date;

  select coalesce(jsonb_agg(jsonb_build_object('serviceId', service_id, 'name', name, 'quantity', quantity, 'amount', amount::text) order by amount desc, name collate "und-x-icu", service_id), '[]')
  into v_result.top_services
  from (select d.service_id, s.name, sum(d.quantity) as quantity, sum(d.amount) as amount
        from app_private.daily_services d
        join app_public.service s on s.clinic_id = d.clinic_id and s.id = d.service_id
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date
        group by d.service_id, s.name having sum(d.quantity) > 0
        -- ties at the fifth place kept or left out alike at every load: the order ends with the service's key
        order by amount desc, s.name collate "und-x-icu", d.service_id limit 5) x;

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

comment on function app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) is 'The dashboard figures of a clinic for a period of its business days (see app_public.dashboard); money as decimal strings, in the lists too. Its ranked lists (topServices, visitsByDoctor) are by amount or count, then name, then the row''s id, so ties come in one order at every load.';
