--! Previous: sha1:643bee42bb239c391284423b4c05f7c60af7d46f
--! Hash: sha1:9b8ad416fb875ae0824866c72b8567135bd30dc5
--! Message: analysts and dashboard

--! split: 030-reporting.sql
-- Analysts: read-only views in `reporting`, each limited to the clinics granted
-- to the analyst's own login role (`npm run analyst -- grant <name> <clinic…>`).
-- The views run as their owner and filter on session_user, which an analyst
-- cannot change: setting a variable or a role widens nothing.

create table if not exists app_private.analyst_grant (
  role_name name not null,
  clinic_id uuid not null references app_public.clinic,
  granted_at timestamptz not null default now(),
  primary key (role_name, clinic_id)
);
comment on table app_private.analyst_grant is 'Which clinics each analyst login role may read through the reporting views.';
comment on column app_private.analyst_grant.role_name is 'The analyst''s PostgreSQL login role.';
comment on column app_private.analyst_grant.clinic_id is 'A clinic it may read.';
comment on column app_private.analyst_grant.granted_at is 'When it was granted.';
alter table app_private.analyst_grant enable row level security;
alter table app_private.analyst_grant force row level security;
drop policy if exists owner_only on app_private.analyst_grant;
create policy owner_only on app_private.analyst_grant to :DATABASE_OWNER using (true);

create or replace function reporting.granted_clinics() returns setof uuid
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select g.clinic_id from app_private.analyst_grant g where g.role_name = session_user;
$$;
comment on function reporting.granted_clinics() is 'The clinics granted to the login role of this connection (session_user, which neither SET ROLE nor any setting changes).';
grant execute on function reporting.granted_clinics() to :DATABASE_ANALYST;

create or replace view reporting.visits as
  select v.clinic_id, c.name as clinic_name, v.code, v.status, v.scheduled_at, v.checked_in_at, v.started_at,
         v.completed_at, v.cancelled_at, v.cancel_reason, p.code as patient_code, u.full_name as doctor_name,
         (select coalesce(sum(s.quantity * s.unit_price - s.discount), 0) from app_public.visit_service s
          where s.clinic_id = v.clinic_id and s.visit_id = v.id) as services_value
  from app_public.visit v
  join app_public.clinic c on c.id = v.clinic_id
  join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
  join app_public.membership m on m.clinic_id = v.clinic_id and m.id = v.doctor_id
  join app_public."user" u on u.id = m.user_id
  where v.clinic_id in (select reporting.granted_clinics());
comment on view reporting.visits is 'One row per visit: status, the times of each step, patient code (no names), doctor, value of its services.';

create or replace view reporting.invoices as
  select i.clinic_id, c.name as clinic_name, i.code, i.status, i.currency, i.subtotal, i.discount_total, i.tax_total, i.total,
         i.amount_paid, i.balance, i.issued_at, i.voided_at, i.void_reason, p.code as patient_code, v.code as visit_code
  from app_public.invoice i
  join app_public.clinic c on c.id = i.clinic_id
  join app_public.patient p on p.clinic_id = i.clinic_id and p.id = i.patient_id
  left join app_public.visit v on v.clinic_id = i.clinic_id and v.id = i.visit_id
  where i.clinic_id in (select reporting.granted_clinics());
comment on view reporting.invoices is 'One row per invoice with its totals, amount paid and balance.';

create or replace view reporting.payments as
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
  where r.clinic_id in (select reporting.granted_clinics());
comment on view reporting.payments is 'Every payment (positive amount) and refund (negative amount), on its business day.';

create or replace view reporting.daily_revenue as
  select clinic_id, clinic_name, business_date, method,
         sum(amount) filter (where kind = 'payment') as payments,
         coalesce(-sum(amount) filter (where kind = 'refund'), 0) as refunds,
         sum(amount) as net
  from reporting.payments
  group by clinic_id, clinic_name, business_date, method;
comment on view reporting.daily_revenue is 'Per clinic, business day and method: payments, refunds and net revenue.';

create or replace view reporting.reconciliations as
  select d.clinic_id, c.name as clinic_name, d.business_date, d.status, d.expected_cash, d.expected_card, d.expected_bank_transfer,
         d.expected_mobile_money, d.expected_insurance, d.expected_total, d.counted_total, d.cash_difference, d.difference,
         d.notes, d.closed_at, d.reopened_at, d.reopen_reason
  from app_public.daily_reconciliation d
  join app_public.clinic c on c.id = d.clinic_id
  where d.clinic_id in (select reporting.granted_clinics());
comment on view reporting.reconciliations is 'The cash-up of each business day: expected, counted, differences.';

revoke all on all tables in schema reporting from public;
grant select on all tables in schema reporting to :DATABASE_ANALYST;

-- The tables' policies run inside the views, and PostgreSQL checks the functions
-- they call against the analyst: let analysts execute those helpers (they answer
-- "no session" for an analyst) — and nothing else of app_public or app_hidden.
grant usage on schema app_public, app_hidden to :DATABASE_ANALYST;
grant execute on function
  app_hidden.in_system_context(), app_hidden.include_deleted(), app_hidden.current_role_in(app_public.member_role[]),
  app_hidden.may_invoice(), app_hidden.handles_money(), app_public.current_session_id(), app_public.current_user_id(),
  app_public.current_clinic_id(), app_public.current_role(), app_public.current_user_is_platform_admin(),
  app_public.current_membership_id()
  to :DATABASE_ANALYST;

--! split: 031-dashboard.sql
-- The owner's dashboard: the period at a glance, in the clinic's time zone, in one query.

create type app_public.dashboard as (
  revenue numeric,
  revenue_by_day jsonb,
  revenue_by_method jsonb,
  visits_by_status jsonb,
  visits_by_doctor jsonb,
  new_patients integer,
  top_services jsonb,
  outstanding_balance numeric,
  average_visit_value numeric
);
comment on type app_public.dashboard is 'Figures of a clinic for a period of business days.';
comment on column app_public.dashboard.revenue is 'Payments minus refunds whose business day falls in the period.';
comment on column app_public.dashboard.revenue_by_day is 'Net revenue per business day: [{"date", "amount"}], every day of the period, zero included.';
comment on column app_public.dashboard.revenue_by_method is 'Net revenue per payment method: [{"method", "amount"}].';
comment on column app_public.dashboard.visits_by_status is 'Visits scheduled in the period per status: [{"status", "count"}].';
comment on column app_public.dashboard.visits_by_doctor is 'Visits scheduled in the period per doctor: [{"doctorId", "name", "count"}].';
comment on column app_public.dashboard.new_patients is 'Patients registered in the period.';
comment on column app_public.dashboard.top_services is 'The five services billed most in the period (invoices not void): [{"serviceId", "name", "quantity", "amount"}].';
comment on column app_public.dashboard.outstanding_balance is 'What issued and partially paid invoices still owe, now.';
comment on column app_public.dashboard.average_visit_value is 'Value of the services of completed visits in the period, per completed visit.';

create or replace function app_public.dashboard(from_date date, to_date date) returns app_public.dashboard
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_tz text := (select c.timezone from app_public.clinic c where c.id = v_clinic);
  v_from timestamptz;
  v_to timestamptz;
  v_result app_public.dashboard;
begin
  if not app_hidden.handles_money() then
    raise exception 'Only an owner, admin or cashier can see the dashboard.' using errcode = 'CFORB';
  end if;
  if from_date is null or to_date is null or to_date < from_date or to_date - from_date > 366 then
    raise exception 'Give a period of at most 367 days, from_date before to_date.' using errcode = 'CINVL';
  end if;
  -- The period's limits as instants: the clinic's midnights.
  v_from := from_date::timestamp at time zone v_tz;
  v_to := (to_date + 1)::timestamp at time zone v_tz;

  with movements as (
    select p.business_date, p.method, p.amount from app_public.payment p
    where p.clinic_id = v_clinic and p.business_date between from_date and to_date
    union all
    select r.business_date, r.method, -r.amount from app_public.refund r
    where r.clinic_id = v_clinic and r.business_date between from_date and to_date
  )
  select coalesce(sum(amount), 0),
    (select jsonb_agg(jsonb_build_object('date', d::date, 'amount', coalesce((select sum(m.amount) from movements m where m.business_date = d::date), 0)) order by d)
     from generate_series(from_date, to_date, interval '1 day') d),
    (select coalesce(jsonb_agg(jsonb_build_object('method', method, 'amount', amount) order by method), '[]')
     from (select m.method, sum(m.amount) as amount from movements m group by m.method) x)
  into v_result.revenue, v_result.revenue_by_day, v_result.revenue_by_method
  from movements;

  select coalesce(jsonb_agg(jsonb_build_object('status', status, 'count', n) order by status), '[]')
  into v_result.visits_by_status
  from (select v.status, count(*) as n from app_public.visit v
        where v.clinic_id = v_clinic and v.scheduled_at >= v_from and v.scheduled_at < v_to group by v.status) x;

  select coalesce(jsonb_agg(jsonb_build_object('doctorId', doctor_id, 'name', full_name, 'count', n) order by n desc, full_name), '[]')
  into v_result.visits_by_doctor
  from (select v.doctor_id, u.full_name, count(*) as n
        from app_public.visit v
        join app_public.membership m on m.clinic_id = v.clinic_id and m.id = v.doctor_id
        join app_public."user" u on u.id = m.user_id
        where v.clinic_id = v_clinic and v.scheduled_at >= v_from and v.scheduled_at < v_to
        group by v.doctor_id, u.full_name) x;

  select count(*) into v_result.new_patients from app_public.patient p
  where p.clinic_id = v_clinic and p.created_at >= v_from and p.created_at < v_to;

  select coalesce(jsonb_agg(jsonb_build_object('serviceId', service_id, 'name', name, 'quantity', quantity, 'amount', amount) order by amount desc, name), '[]')
  into v_result.top_services
  from (select l.service_id, s.name, sum(l.quantity) as quantity, sum(l.line_total) as amount
        from app_public.invoice_line l
        join app_public.invoice i on i.clinic_id = l.clinic_id and i.id = l.invoice_id
        join app_public.service s on s.clinic_id = l.clinic_id and s.id = l.service_id
        where l.clinic_id = v_clinic and i.status <> 'void' and i.created_at >= v_from and i.created_at < v_to
        group by l.service_id, s.name
        order by amount desc, s.name limit 5) x;

  select coalesce(sum(i.balance), 0) into v_result.outstanding_balance from app_public.invoice i
  where i.clinic_id = v_clinic and i.status in ('issued', 'partially_paid');

  select round(coalesce(sum(s.quantity * s.unit_price - s.discount), 0) / nullif(count(distinct v.id), 0), 2)
  into v_result.average_visit_value
  from app_public.visit v
  left join app_public.visit_service s on s.clinic_id = v.clinic_id and s.visit_id = v.id
  where v.clinic_id = v_clinic and v.status = 'completed' and v.scheduled_at >= v_from and v.scheduled_at < v_to;

  return v_result;
end;
$$;
comment on function app_public.dashboard(date, date) is 'The clinic''s figures for the business days from_date to to_date (its own time zone): net revenue (refunds included) per day and method, visits per status and doctor, new patients, top services, outstanding balance, average visit value. Owners, admins and cashiers.';
