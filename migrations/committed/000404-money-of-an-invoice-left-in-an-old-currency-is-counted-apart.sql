--! Previous: sha1:ab79710b490f05b5b0b8d11ddf26b5e72245139f
--! Hash: sha1:39974a273d65f6a4b6f460d3010ea62e45ef7eab
--! Message: Money of an invoice left in an old currency is counted apart from the clinic's

-- Money of an invoice left in an old currency is counted apart from the clinic's
--
-- A clinic whose currency changed before 000066 may still hold invoices in its old one, and their payments, refunds
-- and service lines were added into the clinic's currency wherever money is summed but the outstanding balance
-- (000396): the dashboard's revenue (per day, per method) and its top services, the monthly summary's alike (the same
-- figures), and the day's cash-up, its expected totals per method (the reconciliation sheet, closeDay's differences):
-- 100 dollars taken before the change, or 20 dollars of them refunded since (000384 still gives such a refund), were
-- counted as 100 and -20 yen. Now each of those sums counts the clinic's currency alone, as the outstanding balance
-- does. The rollups the dashboard reads (daily_money, daily_services) keep the invoice's currency in their key, so the
-- dashboard still sums a few rows per day, those of the clinic's currency, and a rollup stays right whenever the
-- clinic's currency changed (rows counted before the change are the old currency's). A day's expected totals count the
-- payments and refunds of invoices in the clinic's currency. Which days have money (the hourly run's days before the
-- clinic existed, days_to_reopen_late) still counts every currency. The upgrade gives the rows kept before the
-- clinic's currency, then rebuilds the rollups of the clinics with invoices in another, and brings their open days'
-- expected totals up to date; a closed day keeps what it was counted against. reporting.daily_revenue was per currency
-- already (000401).
alter table app_private.daily_money add column if not exists currency text;
alter table app_private.daily_services add column if not exists currency text;
update app_private.daily_money m set currency = c.currency from app_public.clinic c where c.id = m.clinic_id and m.currency is null;
update app_private.daily_services d set currency = c.currency from app_public.clinic c where c.id = d.clinic_id and d.currency is null;
alter table app_private.daily_money alter column currency set not null;
alter table app_private.daily_services alter column currency set not null;
do $$
begin
  if not exists (select from pg_constraint where conrelid = 'app_private.daily_money'::regclass and conname = 'daily_money_pkey' and cardinality(conkey) = 4) then
    alter table app_private.daily_money drop constraint daily_money_pkey,
      add constraint daily_money_pkey primary key (clinic_id, business_date, method, currency);
  end if;
  if not exists (select from pg_constraint where conrelid = 'app_private.daily_services'::regclass and conname = 'daily_services_pkey' and cardinality(conkey) = 4) then
    alter table app_private.daily_services drop constraint daily_services_pkey,
      add constraint daily_services_pkey primary key (clinic_id, local_date, service_id, currency);
  end if;
end;
$$;
comment on table app_private.daily_money is 'Payments minus refunds per clinic, business day, method and currency (the invoice''s) (dashboard rollup: the dashboard sums the clinic''s currency).';
comment on column app_private.daily_money.currency is 'The currency of the invoice paid or refunded: the clinic''s, or an old one of the clinic''s (a change of currency before 000066), which the dashboard does not add to the clinic''s.';
comment on table app_private.daily_services is 'Invoice lines of catalog services per clinic, local day of the invoice''s creation, service and currency (the invoice''s), void invoices left out (dashboard rollup: the dashboard sums the clinic''s currency).';
comment on column app_private.daily_services.currency is 'The currency of the invoice: the clinic''s, or an old one of the clinic''s (a change of currency before 000066), which the dashboard does not add to the clinic''s.';

create or replace function app_private.tg__money_rollup() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'off'
  set clinicops.every_clinic to 'off'
  set clinicops.reinvitation to 'off'
as $$
declare
  v_sign integer := case when tg_table_name = 'refund' then -1 else 1 end;
  v_currency text; -- the invoice's, which never changes for a payment or refund
begin
  if tg_op = 'UPDATE' and (new.amount, new.method, new.business_date) is not distinct from (old.amount, old.method, old.business_date) then
    return null; -- named, not changed: nothing moves (and no audit entry takes its turn with a rebuild)
  end if;
  select i.currency into v_currency from app_public.invoice i
  where i.clinic_id = coalesce(new.clinic_id, old.clinic_id) and i.id = coalesce(new.invoice_id, old.invoice_id);
  if tg_op in ('UPDATE', 'DELETE') then
    update app_private.daily_money m set amount = m.amount - v_sign * old.amount, movements = m.movements - 1
    where m.clinic_id = old.clinic_id and m.business_date = old.business_date and m.method = old.method and m.currency = v_currency;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into app_private.daily_money as m (clinic_id, business_date, method, currency, amount, movements)
    values (new.clinic_id, new.business_date, new.method, v_currency, v_sign * new.amount, 1)
    on conflict (clinic_id, business_date, method, currency) do update set amount = m.amount + excluded.amount, movements = m.movements + 1;
  end if;
  return null;
end;
$$;
revoke all on function app_private.tg__money_rollup() from public;
comment on function app_private.tg__money_rollup() is 'AFTER INSERT/UPDATE/DELETE on payments and refunds: keeps daily_money (the amount and the count of movements), in the currency of the invoice paid; an update that changes none of amount, method and business day leaves it alone.';

create or replace function app_private.add_to_daily_services(invoice app_public.invoice, lines app_public.invoice_line[], sign integer) returns void
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  insert into app_private.daily_services as d (clinic_id, local_date, service_id, currency, quantity, amount)
  select l.clinic_id, app_private.local_date(invoice.clinic_id, invoice.created_at), l.service_id, invoice.currency, sign * sum(l.quantity), sign * sum(l.line_total)
  from unnest(lines) l
  where l.service_id is not null and invoice.status <> 'void'
  group by l.clinic_id, l.service_id
  on conflict (clinic_id, local_date, service_id, currency)
  do update set quantity = d.quantity + excluded.quantity, amount = d.amount + excluded.amount;
end;
$$;
revoke all on function app_private.add_to_daily_services(app_public.invoice, app_public.invoice_line[], integer) from public;
comment on function app_private.add_to_daily_services(app_public.invoice, app_public.invoice_line[], integer) is 'Adds (sign 1) or takes out (sign -1) lines of an invoice in daily_services, in the invoice''s currency: those of a catalog service, and none of a void invoice.';

create or replace function app_private.rebuild_rollups(clinic_id uuid) returns void
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'on'
  set jit to off
as $$
begin
  delete from app_private.daily_money m where m.clinic_id = rebuild_rollups.clinic_id;
  insert into app_private.daily_money (clinic_id, business_date, method, currency, amount, movements)
  select rebuild_rollups.clinic_id, x.business_date, x.method, i.currency, sum(x.amount), count(*) from (
    select p.business_date, p.method, p.invoice_id, p.amount from app_public.payment p where p.clinic_id = rebuild_rollups.clinic_id
    union all
    select r.business_date, r.method, r.invoice_id, -r.amount from app_public.refund r where r.clinic_id = rebuild_rollups.clinic_id
  ) x join app_public.invoice i on i.clinic_id = rebuild_rollups.clinic_id and i.id = x.invoice_id
  group by x.business_date, x.method, i.currency;

  delete from app_private.daily_visits d where d.clinic_id = rebuild_rollups.clinic_id;
  insert into app_private.daily_visits (clinic_id, local_date, status, doctor_id, visits, completed_value)
  select v.clinic_id, (v.scheduled_at at time zone c.timezone)::date, v.status, v.doctor_id, count(*),
         coalesce(sum(s.value) filter (where v.status = 'completed'), 0)
  from app_public.visit v join app_public.clinic c on c.id = v.clinic_id
  left join (select s.visit_id, sum(s.line_total) as value from app_public.visit_service s
             where s.clinic_id = rebuild_rollups.clinic_id group by s.visit_id) s on s.visit_id = v.id
  where v.clinic_id = rebuild_rollups.clinic_id group by 1, 2, 3, 4;

  delete from app_private.daily_patients d where d.clinic_id = rebuild_rollups.clinic_id;
  insert into app_private.daily_patients (clinic_id, local_date, patients)
  select p.clinic_id, (p.created_at at time zone c.timezone)::date, count(*)
  from app_public.patient p join app_public.clinic c on c.id = p.clinic_id
  where p.clinic_id = rebuild_rollups.clinic_id group by 1, 2;

  delete from app_private.daily_services d where d.clinic_id = rebuild_rollups.clinic_id;
  insert into app_private.daily_services (clinic_id, local_date, service_id, currency, quantity, amount)
  select l.clinic_id, (i.created_at at time zone c.timezone)::date, l.service_id, i.currency, sum(l.quantity), sum(l.line_total)
  from app_public.invoice_line l
  join app_public.invoice i on i.clinic_id = l.clinic_id and i.id = l.invoice_id
  join app_public.clinic c on c.id = l.clinic_id
  where l.clinic_id = rebuild_rollups.clinic_id and l.service_id is not null and i.status <> 'void'
  group by 1, 2, 3, 4;
end;
$$;
revoke all on function app_private.rebuild_rollups(uuid) from public;
comment on function app_private.rebuild_rollups(uuid) is 'Recomputes a clinic''s dashboard rollups from its payments, refunds, visits and their services, patients (soft-deleted ones included, by its definition: 000061) and invoice lines (money and services per currency, the invoice''s), without JIT (its statements, costed through the tables'' policies as far larger than they are, were compiled first). For an operator after a bulk load that bypassed the triggers; a change of time zone moves the rollups instead (move_rollups_to_zone).';

create or replace function app_private.move_rollups_to_zone(clinic_id uuid, from_zone text, to_zone text) returns void
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'on'
  set jit to off
as $$
declare
  v_clinic uuid := move_rollups_to_zone.clinic_id;
begin
  with moved as (
    select v.id, v.status, v.doctor_id, (v.scheduled_at at time zone from_zone)::date as from_date, (v.scheduled_at at time zone to_zone)::date as to_date
    from app_public.visit v
    where v.clinic_id = v_clinic and (v.scheduled_at at time zone from_zone)::date <> (v.scheduled_at at time zone to_zone)::date),
  valued as (
    select m.*, case when m.status = 'completed' then coalesce((select sum(s.line_total) from app_public.visit_service s
                                                                where s.clinic_id = v_clinic and s.visit_id = m.id), 0) else 0 end as value
    from moved m),
  delta as (
    select from_date as local_date, status, doctor_id, -count(*) as visits, -sum(value) as value from valued group by 1, 2, 3
    union all
    select to_date, status, doctor_id, count(*), sum(value) from valued group by 1, 2, 3)
  merge into app_private.daily_visits as d
  using (select x.local_date, x.status, x.doctor_id, sum(x.visits) as visits, sum(x.value) as value from delta x group by 1, 2, 3) x
  on d.clinic_id = v_clinic and d.local_date = x.local_date and d.status = x.status and d.doctor_id = x.doctor_id
  when matched and d.visits + x.visits = 0 then delete
  when matched then update set visits = d.visits + x.visits, completed_value = d.completed_value + x.value
  when not matched and x.visits <> 0 then insert (clinic_id, local_date, status, doctor_id, visits, completed_value)
    values (v_clinic, x.local_date, x.status, x.doctor_id, x.visits, x.value);

  with moved as (
    select (p.created_at at time zone from_zone)::date as from_date, (p.created_at at time zone to_zone)::date as to_date
    from app_public.patient p
    where p.clinic_id = v_clinic and (p.created_at at time zone from_zone)::date <> (p.created_at at time zone to_zone)::date),
  delta as (
    select from_date as local_date, -count(*) as patients from moved group by 1
    union all
    select to_date, count(*) from moved group by 1)
  merge into app_private.daily_patients as d
  using (select x.local_date, sum(x.patients) as patients from delta x group by 1) x
  on d.clinic_id = v_clinic and d.local_date = x.local_date
  when matched and d.patients + x.patients = 0 then delete
  when matched then update set patients = d.patients + x.patients
  when not matched and x.patients <> 0 then insert (clinic_id, local_date, patients) values (v_clinic, x.local_date, x.patients);

  with moved as (
    select (i.created_at at time zone from_zone)::date as from_date, (i.created_at at time zone to_zone)::date as to_date,
           l.service_id, i.currency, l.quantity, l.line_total
    from app_public.invoice i
    join app_public.invoice_line l on l.clinic_id = i.clinic_id and l.invoice_id = i.id
    where i.clinic_id = v_clinic and l.clinic_id = v_clinic and l.service_id is not null and i.status <> 'void'
      and (i.created_at at time zone from_zone)::date <> (i.created_at at time zone to_zone)::date),
  delta as (
    select from_date as local_date, service_id, currency, -sum(quantity) as quantity, -sum(line_total) as amount from moved group by 1, 2, 3
    union all
    select to_date, service_id, currency, sum(quantity), sum(line_total) from moved group by 1, 2, 3)
  merge into app_private.daily_services as d
  using (select x.local_date, x.service_id, x.currency, sum(x.quantity) as quantity, sum(x.amount) as amount from delta x group by 1, 2, 3) x
  on d.clinic_id = v_clinic and d.local_date = x.local_date and d.service_id = x.service_id and d.currency = x.currency
  -- a line's quantity is above 0: a day's quantity of 0 is no line
  when matched and d.quantity + x.quantity = 0 then delete
  when matched then update set quantity = d.quantity + x.quantity, amount = d.amount + x.amount
  when not matched and x.quantity <> 0 then insert (clinic_id, local_date, service_id, currency, quantity, amount)
    values (v_clinic, x.local_date, x.service_id, x.currency, x.quantity, x.amount);
end;
$$;
comment on function app_private.move_rollups_to_zone(uuid, text, text) is 'On a change of the clinic''s time zone from from_zone to to_zone: each visit, patient (soft-deleted ones included, as rebuild_rollups counts them) and non-void invoice''s service lines (in the invoice''s currency) whose local day differs between the zones taken off its old day''s rollup and put on its new day''s, a rollup row brought to nothing (no visits, patients or quantity) deleted, as a rebuild has none; money stays on its business day. Without JIT, as rebuild_rollups. Run after the clinic row''s audit entry, holding the clinic''s audit chain head: the clinic''s writes take turns with it.';
revoke all on function app_private.move_rollups_to_zone(uuid, text, text) from public;

create or replace function app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) returns app_public.dashboard
  language plpgsql stable security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := dashboard_for.clinic_id;
  -- the currency every figure adds amounts in: money and lines of an invoice left in an old one (a change of currency
  -- before 000066) are not counted as the clinic's (100 dollars as 100 yen)
  v_currency text := (select c.currency from app_public.clinic c where c.id = dashboard_for.clinic_id);
  v_result app_public.dashboard;
begin
  with per_day as (
    select m.business_date, sum(m.amount) as amount from app_private.daily_money m
    where m.clinic_id = v_clinic and m.business_date between from_date and to_date and m.currency = v_currency group by m.business_date
  )
  select (select coalesce(sum(amount), 0) from per_day),
    (select jsonb_agg(jsonb_build_object('date', g::date, 'amount', coalesce(p.amount, 0)::numeric(20,3)::text) order by g)
     from generate_series(from_date::timestamp, to_date::timestamp, interval '1 day') g left join per_day p on p.business_date = g::date),
    -- the methods money moved in (a method a payment was corrected away from keeps a row of none)
    (select coalesce(jsonb_agg(jsonb_build_object('method', method, 'amount', amount::text) order by method), '[]')
     from (select m.method, sum(m.amount) as amount from app_private.daily_money m
           where m.clinic_id = v_clinic and m.business_date between from_date and to_date and m.currency = v_currency group by m.method
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
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date and d.currency = v_currency
        group by d.service_id, s.name having sum(d.quantity) > 0
        -- ties at the fifth place kept or left out alike at every load: the order ends with the service's key
        order by amount desc, s.name collate "und-x-icu", d.service_id limit 5) x;

  -- in the clinic's currency too: an open invoice left in its old one is not counted
  select coalesce(sum(i.balance), 0) into v_result.outstanding_balance from app_public.invoice i
  where i.clinic_id = v_clinic and i.status in ('issued', 'partially_paid') and i.currency = v_currency;

  select round(sum(d.completed_value) / nullif(sum(d.visits), 0),
    app_public.currency_decimals(v_currency))
  into v_result.average_visit_value
  from app_private.daily_visits d
  where d.clinic_id = v_clinic and d.status = 'completed' and d.local_date between from_date and to_date;

  return v_result;
end;
$$;

revoke all on function app_private.dashboard_for(uuid, date, date) from public;
comment on function app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) is 'The dashboard figures of a clinic for a period of its business days (see app_public.dashboard); money as decimal strings, in the lists too. Its ranked lists (topServices, visitsByDoctor) are by amount or count, then name, then the row''s id, so ties come in one order at every load. Its money (revenue, per day and method, top services, outstanding balance) is in the clinic''s currency alone: the payments, refunds, lines and balance of an invoice left in another, from a change of currency before 000066, are not the clinic''s money (such an invoice takes no payment, 000384, and is voided and invoiced again), 000396 and 000404.';
comment on column app_public.dashboard.revenue is 'Payments minus refunds whose business day falls in the period, of invoices in the clinic''s currency (one left in an old currency, from before 000066, is not counted).';
comment on column app_public.dashboard.revenue_by_day is 'Net revenue per business day: [{"date", "amount"}], every day of the period, zero included; amounts as decimal strings ("15000.000"), in the clinic''s currency alone (as revenue).';
comment on column app_public.dashboard.revenue_by_method is 'Net revenue per payment method: [{"method", "amount"}]; amounts as decimal strings, in the clinic''s currency alone (as revenue).';
comment on column app_public.dashboard.top_services is 'The five services on the most invoice value in the period (every invoice but void ones, drafts included), of invoices in the clinic''s currency (one left in an old currency, from before 000066, is not counted): [{"serviceId", "name", "quantity", "amount"}]; amounts as decimal strings.';

create or replace function app_private.expected_totals(clinic_id uuid, business_date date) returns table(cash numeric, card numeric, bank_transfer numeric, mobile_money numeric, insurance numeric)
  language plpgsql stable security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_currency text := (select c.currency from app_public.clinic c where c.id = expected_totals.clinic_id);
begin
  return query
  with movements as (
    select p.method, p.invoice_id, p.amount from app_public.payment p
    where p.clinic_id = expected_totals.clinic_id and p.business_date = expected_totals.business_date
    union all
    select r.method, r.invoice_id, -r.amount from app_public.refund r
    where r.clinic_id = expected_totals.clinic_id and r.business_date = expected_totals.business_date
  )
  select coalesce(sum(m.amount) filter (where m.method = 'cash'), 0),
         coalesce(sum(m.amount) filter (where m.method = 'card'), 0),
         coalesce(sum(m.amount) filter (where m.method = 'bank_transfer'), 0),
         coalesce(sum(m.amount) filter (where m.method = 'mobile_money'), 0),
         coalesce(sum(m.amount) filter (where m.method = 'insurance'), 0)
  from movements m
  -- in the clinic's currency alone: the money of an invoice left in an old one (a change of currency before 000066)
  -- is not the clinic's (100 dollars as 100 yen)
  where not exists (select from app_public.invoice i
                    where i.clinic_id = expected_totals.clinic_id and i.id = m.invoice_id and i.currency <> v_currency);
end;
$$;
revoke all on function app_private.expected_totals(uuid, date) from public;
comment on function app_private.expected_totals(clinic_id uuid, business_date date) is 'Payments minus refunds per method for one clinic and business day, of invoices in the clinic''s currency (those of an invoice left in an old one, from a change of currency before 000066, are not the clinic''s money: 000404).';
comment on column app_public.daily_reconciliation.expected_cash is 'Cash payments minus cash refunds of the day, of invoices in the clinic''s currency.';
comment on column app_public.daily_reconciliation.expected_card is 'Card payments minus card refunds of the day, of invoices in the clinic''s currency.';
comment on column app_public.daily_reconciliation.expected_bank_transfer is 'Bank transfers minus their refunds, of invoices in the clinic''s currency.';
comment on column app_public.daily_reconciliation.expected_mobile_money is 'Mobile money minus its refunds, of invoices in the clinic''s currency.';
comment on column app_public.daily_reconciliation.expected_insurance is 'Insurance payments minus their refunds, of invoices in the clinic''s currency.';

-- the rows kept before were given the clinic's currency above: a clinic with invoices in another has its rollups
-- rebuilt, and its open days' expected totals brought up to date (a closed day keeps what it was counted against)
create or replace function app_private.count_other_currencies_apart(clinic_id uuid default null) returns integer
  language plpgsql
  set search_path to pg_catalog, public, pg_temp
  set jit to off
as $$
declare
  v_clinics integer := 0;
  v_clinic uuid;
begin
  for v_clinic in
    select c.id from app_public.clinic c
    where (count_other_currencies_apart.clinic_id is null or c.id = count_other_currencies_apart.clinic_id)
      and exists (select from app_public.invoice i where i.clinic_id = c.id and i.currency <> c.currency)
    order by c.id
  loop
    perform app_private.rebuild_rollups(v_clinic);
    perform app_private.refresh_reconciliation(d.clinic_id, d.business_date)
    from app_public.daily_reconciliation d where d.clinic_id = v_clinic and d.status = 'open';
    v_clinics := v_clinics + 1;
  end loop;
  return v_clinics;
end;
$$;
revoke all on function app_private.count_other_currencies_apart(uuid) from public;
comment on function app_private.count_other_currencies_apart(uuid) is 'For each clinic (or the one given) with invoices in another currency than its own (a change of currency before 000066): rebuilds its dashboard rollups, so that the money and lines of those invoices are on rows of their currency, which the dashboard does not add to the clinic''s, and brings its open days'' expected totals up to date (the clinic''s currency alone); a closed day keeps what it was counted against. Answers how many clinics. Run by 000404; an operator may run it again.';
select app_private.count_other_currencies_apart();

-- A money movement says its currency
--
-- moneyMovements, which billing.md gives as the cash-up's live expected totals per method and as net revenue, summed
-- the payments and refunds of an invoice left in an old currency (a change before 000066) with the clinic's, and had
-- nothing to tell them apart by (an invoice's currency is no filter). Each movement now has its invoice's `currency`,
-- to filter and group by, so the day's expected totals are read in the clinic's currency, as closeDay counts them.
create or replace view app_public.money_movement with (security_invoker = true) as
 SELECT p.clinic_id,
    'payment'::text AS kind,
    p.id AS movement_id,
    p.id AS payment_id,
    p.invoice_id,
    i.doctor_id,
    p.business_date,
    p.method,
    p.amount,
    p.code,
    p.received_at AS moved_at,
    p.received_by AS moved_by,
    p.reference AS note,
    i.currency
   FROM (app_public.payment p
     JOIN app_public.invoice i ON (((i.clinic_id = p.clinic_id) AND (i.id = p.invoice_id))))
UNION ALL
 SELECT r.clinic_id,
    'refund'::text AS kind,
    r.id AS movement_id,
    r.payment_id,
    r.invoice_id,
    i.doctor_id,
    r.business_date,
    r.method,
    (- r.amount) AS amount,
    r.code,
    r.refunded_at AS moved_at,
    r.refunded_by AS moved_by,
    r.reason AS note,
    i.currency
   FROM (app_public.refund r
     JOIN app_public.invoice i ON (((i.clinic_id = r.clinic_id) AND (i.id = r.invoice_id))));
comment on view app_public.money_movement is E'@behavior +connection -list\n@primaryKey clinic_id,kind,movement_id\n@defaultOrderBy MOVED_AT_ASC,CODE_ASC\n@foreignKey (clinic_id,invoice_id) references app_public.invoice (clinic_id,id)|@fieldName invoice|@foreignFieldName moneyMovements\n@foreignKey (clinic_id,payment_id) references app_public.payment (clinic_id,id)|@fieldName payment|@foreignFieldName moneyMovements\nEvery payment (positive) and refund (negative) with its business day, method, code, time, currency and the invoice''s doctor: sum `amount` of the clinic''s `currency` for net revenue (an invoice left in an old currency, from before 000066, has movements in it, which the dashboard and a day''s expected totals do not count), list them for a cash-up (in the order the money moved, page after page). Visible to those who handle money.';
comment on column app_public.money_movement.currency is E'@behavior +groupBy +filterBy +orderBy\nThe invoice''s currency: the clinic''s, or an old one of the clinic''s (a change of currency before 000066), whose movements the dashboard and a day''s expected totals do not count as the clinic''s.';
