--! Previous: sha1:6ba88f5afea220552416db21dd59a65501efd473
--! Hash: sha1:51c8fef4899d828dabca1cc3e3cc146507127867
--! Message: a day's close waits for its payments, reporting views are barriers, amounts are numbers, visit notifications carry only the id

--! split: 320-reporting-views-are-barriers
-- The reporting views run as their owner, whose policies see every clinic;
-- only the view's own `clinic_id in granted_clinics()` narrows them. Without a
-- security barrier, PostgreSQL may run an analyst's own conditions first, and a
-- function that raises or records what it is given (a cast that fails with
-- the value in its message, a temporary function) would see other clinics'
-- rows. As barriers, the views filter by grant before any condition of the
-- query that is not leakproof. Temporary objects are not needed by any role
-- of the application, so nobody makes temporary functions any more.
alter view reporting.visits set (security_barrier = true);
alter view reporting.invoices set (security_barrier = true);
-- a view that is a bare UNION ALL is flattened into its branches whatever its
-- options, and the query's conditions with it: the union goes one level down,
-- under the barrier
create or replace view reporting.payments with (security_barrier = true) as
  select * from (
    select p.clinic_id, c.name as clinic_name, 'payment'::text as kind, p.code, i.code as invoice_code, p.method, p.amount,
           p.received_at as happened_at, p.business_date
    from app_public.payment p
    join app_public.clinic c on c.id = p.clinic_id
    join app_public.invoice i on i.clinic_id = p.clinic_id and i.id = p.invoice_id
    where p.clinic_id in (select reporting.granted_clinics())
    union all
    select r.clinic_id, c.name, 'refund', r.code, i.code, r.method, -r.amount, r.refunded_at, r.business_date
    from app_public.refund r
    join app_public.clinic c on c.id = r.clinic_id
    join app_public.invoice i on i.clinic_id = r.clinic_id and i.id = r.invoice_id
    where r.clinic_id in (select reporting.granted_clinics())
  ) movement;
alter view reporting.daily_revenue set (security_barrier = true);
alter view reporting.reconciliations set (security_barrier = true);
do $$ begin execute format('revoke temporary on database %I from public', current_database()); end $$;

--! split: 330-closing-a-day-waits-for-its-payments
-- A payment or refund checked that its day was not closed by looking for a
-- closed row; a close in progress (not yet committed) left the row open in
-- that look, so a payment could land on a day closed a moment later, missing
-- from its counted totals. Now every money change takes a shared lock on its
-- clinic's business day, and closing one takes it exclusively: a close waits
-- for the payments in flight (and counts them), and payments wait for a close
-- in flight (and are refused once it commits).
create or replace function app_private.lock_business_day(clinic_id uuid, business_date date, exclusive boolean) returns void
language plpgsql volatile set search_path = pg_catalog, public, pg_temp
as $$
begin
  -- the two-key advisory locks are a space of their own, apart from single-key ones (graphile-worker's)
  if exclusive then
    perform pg_advisory_xact_lock(hashtext(lock_business_day.clinic_id::text), lock_business_day.business_date - date '2000-01-01');
  else
    perform pg_advisory_xact_lock_shared(hashtext(lock_business_day.clinic_id::text), lock_business_day.business_date - date '2000-01-01');
  end if;
end;
$$;
comment on function app_private.lock_business_day(uuid, date, boolean) is 'Locks a clinic''s business day until the end of the transaction: shared for a payment or refund, exclusive for closing the day.';

create or replace function app_private.tg__money_day() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_row jsonb := to_jsonb(case when tg_op = 'DELETE' then old else new end);
  v_at timestamptz := coalesce(v_row ->> 'received_at', v_row ->> 'refunded_at')::timestamptz;
  v_clinic uuid := (v_row ->> 'clinic_id')::uuid;
  v_days date[];
begin
  if tg_op <> 'DELETE' then
    new.business_date := app_hidden.business_date(new.clinic_id, v_at);
  end if;
  v_days := array_remove(array[
    case when tg_op <> 'DELETE' then new.business_date end,
    case when tg_op <> 'INSERT' then old.business_date end], null);
  -- Waits for a close of these days in flight; once we hold the lock, no close starts until we commit.
  perform app_private.lock_business_day(v_clinic, d, false) from unnest(v_days) d;
  perform 1 from app_public.daily_reconciliation d
  where d.clinic_id = v_clinic and d.status = 'closed' and d.business_date = any (v_days);
  if found then
    raise exception 'The business day is closed: its payments and refunds can no longer change.' using errcode = 'CDAYC';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end;
$$;
comment on function app_private.tg__money_day() is 'BEFORE INSERT/UPDATE/DELETE on payments and refunds: sets the business day in the clinic''s time zone, locks the day against a concurrent close, and refuses any change to a closed day (DAY_CLOSED).';

create or replace function app_public.close_day(
  business_date date, counted_cash numeric default 0, counted_card numeric default 0, counted_bank_transfer numeric default 0,
  counted_mobile_money numeric default 0, counted_insurance numeric default 0, notes text default null
) returns app_public.daily_reconciliation
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_day app_public.daily_reconciliation;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can close a day.' using errcode = 'CFORB';
  end if;
  if business_date is null or business_date > app_hidden.business_date(v_clinic, now()) then
    raise exception 'Only a business day that has started can be closed.' using errcode = 'CINVL';
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

--! split: 340-amounts-are-numbers
-- numeric has a NaN, which passes every `>= 0` check (PostgreSQL sorts it above
-- all numbers). No amount, price, quantity or rate may be NaN.
alter table app_public.clinic add constraint tax_rate_is_a_number check (tax_rate <> 'NaN');
alter table app_public.service add constraint price_is_a_number check (price <> 'NaN');
alter table app_public.service_price add constraint price_is_a_number check (price <> 'NaN');
alter table app_public.visit_service add constraint amounts_are_numbers check ('NaN' not in (unit_price, discount));
alter table app_public.invoice add constraint tax_rate_is_a_number check (tax_rate <> 'NaN');
alter table app_public.invoice_line add constraint amounts_are_numbers check ('NaN' not in (quantity, unit_price, discount, tax_rate));
alter table app_public.payment add constraint amount_is_a_number check (amount <> 'NaN');
alter table app_public.refund add constraint amount_is_a_number check (amount <> 'NaN');
alter table app_public.daily_reconciliation add constraint counted_amounts_are_numbers
  check ('NaN' not in (counted_cash, counted_card, counted_bank_transfer, counted_mobile_money, counted_insurance));

--! split: 350-visit-notifications-carry-only-the-id
-- Any role that can connect may LISTEN on any channel: the notification says
-- only which visit changed, and the subscription reads the visit, status
-- included, through row-level security.
create or replace function app_private.tg_visit__notify() returns trigger
language plpgsql
as $$
begin
  perform pg_notify('clinicops:visits:' || new.clinic_id, json_build_object('id', new.id)::text);
  return null;
end;
$$;
comment on function app_private.tg_visit__notify() is 'AFTER INSERT OR UPDATE: tells subscribers of the clinic''s visit queue (GraphQL subscription visitQueueChanged) which visit changed, and nothing else (any role may LISTEN).';
