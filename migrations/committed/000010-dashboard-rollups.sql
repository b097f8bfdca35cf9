--! Previous: sha1:6978e10561cfce70ee9afd65e9265915a28243ad
--! Hash: sha1:b5f0b94f075e88f754cd2677da99faa8b82972aa
--! Message: dashboard rollups

--! split: 090-dashboard-rollups.sql
-- Per-day rollups for the dashboard: money per day and method, visits per day,
-- status and doctor, patients registered per day, kept by triggers on the
-- source rows, so a year's dashboard sums about two thousand rows instead of
-- reading every payment and visit. rebuild_rollups() recomputes a clinic's
-- (after a bulk load, or when its time zone changes).

create table if not exists app_private.daily_money (
  clinic_id uuid not null references app_public.clinic,
  business_date date not null,
  method app_public.payment_method not null,
  amount numeric(16, 3) not null default 0,
  primary key (clinic_id, business_date, method)
);
comment on table app_private.daily_money is 'Payments minus refunds per clinic, business day and method (dashboard rollup).';
comment on column app_private.daily_money.clinic_id is 'The clinic.';
comment on column app_private.daily_money.business_date is 'The business day.';
comment on column app_private.daily_money.method is 'The tender.';
comment on column app_private.daily_money.amount is 'Payments minus refunds.';

create table if not exists app_private.daily_visits (
  clinic_id uuid not null references app_public.clinic,
  local_date date not null,
  status app_public.visit_status not null,
  doctor_id uuid not null,
  visits integer not null default 0,
  primary key (clinic_id, local_date, status, doctor_id)
);
comment on table app_private.daily_visits is 'Visits per clinic, local day of scheduled_at, status and doctor (dashboard rollup).';
comment on column app_private.daily_visits.clinic_id is 'The clinic.';
comment on column app_private.daily_visits.local_date is 'The clinic''s local date of scheduled_at.';
comment on column app_private.daily_visits.status is 'The visits'' status.';
comment on column app_private.daily_visits.doctor_id is 'The doctor (membership).';
comment on column app_private.daily_visits.visits is 'How many.';

create table if not exists app_private.daily_patients (
  clinic_id uuid not null references app_public.clinic,
  local_date date not null,
  patients integer not null default 0,
  primary key (clinic_id, local_date)
);
comment on table app_private.daily_patients is 'Patients registered per clinic and local day (dashboard rollup; later deletions do not unregister them).';
comment on column app_private.daily_patients.clinic_id is 'The clinic.';
comment on column app_private.daily_patients.local_date is 'The clinic''s local date of registration.';
comment on column app_private.daily_patients.patients is 'How many were registered.';

alter table app_private.daily_money enable row level security;
alter table app_private.daily_money force row level security;
alter table app_private.daily_visits enable row level security;
alter table app_private.daily_visits force row level security;
alter table app_private.daily_patients enable row level security;
alter table app_private.daily_patients force row level security;
drop policy if exists owner_only on app_private.daily_money;
drop policy if exists owner_only on app_private.daily_visits;
drop policy if exists owner_only on app_private.daily_patients;
create policy owner_only on app_private.daily_money to :DATABASE_OWNER using (true);
create policy owner_only on app_private.daily_visits to :DATABASE_OWNER using (true);
create policy owner_only on app_private.daily_patients to :DATABASE_OWNER using (true);

create or replace function app_private.local_date(clinic_id uuid, at timestamptz) returns date
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select (at at time zone c.timezone)::date from app_public.clinic c where c.id = local_date.clinic_id;
$$;
comment on function app_private.local_date(uuid, timestamptz) is 'The clinic''s local date at a moment (for any clinic: used by triggers and the worker).';

create or replace function app_private.tg__money_rollup() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_sign integer := case when tg_table_name = 'refund' then -1 else 1 end;
begin
  if tg_op in ('UPDATE', 'DELETE') then
    update app_private.daily_money m set amount = m.amount - v_sign * old.amount
    where m.clinic_id = old.clinic_id and m.business_date = old.business_date and m.method = old.method;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into app_private.daily_money as m (clinic_id, business_date, method, amount)
    values (new.clinic_id, new.business_date, new.method, v_sign * new.amount)
    on conflict (clinic_id, business_date, method) do update set amount = m.amount + excluded.amount;
  end if;
  return null;
end;
$$;
comment on function app_private.tg__money_rollup() is 'AFTER INSERT/UPDATE/DELETE on payments and refunds: keeps daily_money.';

create or replace function app_private.tg_visit__rollup() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    update app_private.daily_visits d set visits = d.visits - 1
    where d.clinic_id = old.clinic_id and d.local_date = app_private.local_date(old.clinic_id, old.scheduled_at)
      and d.status = old.status and d.doctor_id = old.doctor_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into app_private.daily_visits as d (clinic_id, local_date, status, doctor_id, visits)
    values (new.clinic_id, app_private.local_date(new.clinic_id, new.scheduled_at), new.status, new.doctor_id, 1)
    on conflict (clinic_id, local_date, status, doctor_id) do update set visits = d.visits + 1;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_visit__rollup() is 'AFTER INSERT/UPDATE/DELETE on visits: keeps daily_visits.';

create or replace function app_private.tg_patient__rollup() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  insert into app_private.daily_patients as d (clinic_id, local_date, patients)
  values (new.clinic_id, app_private.local_date(new.clinic_id, new.created_at), 1)
  on conflict (clinic_id, local_date) do update set patients = d.patients + 1;
  return null;
end;
$$;
comment on function app_private.tg_patient__rollup() is 'AFTER INSERT on patients: keeps daily_patients.';

drop trigger if exists _650_rollup on app_public.payment;
drop trigger if exists _650_rollup on app_public.refund;
drop trigger if exists _650_rollup on app_public.visit;
drop trigger if exists _650_rollup on app_public.patient;
create trigger _650_rollup after insert or update of amount, method, business_date or delete on app_public.payment
  for each row execute function app_private.tg__money_rollup();
create trigger _650_rollup after insert or update of amount, method, business_date or delete on app_public.refund
  for each row execute function app_private.tg__money_rollup();
create trigger _650_rollup after insert or update of status, scheduled_at, doctor_id or delete on app_public.visit
  for each row execute function app_private.tg_visit__rollup();
create trigger _650_rollup after insert on app_public.patient
  for each row execute function app_private.tg_patient__rollup();

create or replace function app_private.rebuild_rollups(clinic_id uuid) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  delete from app_private.daily_money m where m.clinic_id = rebuild_rollups.clinic_id;
  insert into app_private.daily_money (clinic_id, business_date, method, amount)
  select rebuild_rollups.clinic_id, x.business_date, x.method, sum(x.amount) from (
    select p.business_date, p.method, p.amount from app_public.payment p where p.clinic_id = rebuild_rollups.clinic_id
    union all
    select r.business_date, r.method, -r.amount from app_public.refund r where r.clinic_id = rebuild_rollups.clinic_id
  ) x group by x.business_date, x.method;

  delete from app_private.daily_visits d where d.clinic_id = rebuild_rollups.clinic_id;
  insert into app_private.daily_visits (clinic_id, local_date, status, doctor_id, visits)
  select v.clinic_id, (v.scheduled_at at time zone c.timezone)::date, v.status, v.doctor_id, count(*)
  from app_public.visit v join app_public.clinic c on c.id = v.clinic_id
  where v.clinic_id = rebuild_rollups.clinic_id group by 1, 2, 3, 4;

  delete from app_private.daily_patients d where d.clinic_id = rebuild_rollups.clinic_id;
  insert into app_private.daily_patients (clinic_id, local_date, patients)
  select p.clinic_id, (p.created_at at time zone c.timezone)::date, count(*)
  from app_public.patient p join app_public.clinic c on c.id = p.clinic_id
  where p.clinic_id = rebuild_rollups.clinic_id group by 1, 2;
end;
$$;
comment on function app_private.rebuild_rollups(uuid) is 'Recomputes a clinic''s dashboard rollups from its payments, refunds, visits and patients.';

create or replace function app_private.tg_clinic__timezone_rollups() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  perform app_private.rebuild_rollups(new.id);
  return null;
end;
$$;
comment on function app_private.tg_clinic__timezone_rollups() is 'AFTER UPDATE OF timezone on clinic: local days moved, so the rollups are recomputed.';
drop trigger if exists _650_rollup on app_public.clinic;
create trigger _650_rollup after update of timezone on app_public.clinic
  for each row when (old.timezone is distinct from new.timezone) execute function app_private.tg_clinic__timezone_rollups();

-- Existing data (none on a fresh database).
select app_private.rebuild_rollups(c.id) from app_public.clinic c;

create or replace function app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) returns app_public.dashboard
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic uuid := dashboard_for.clinic_id;
  v_tz text := (select c.timezone from app_public.clinic c where c.id = v_clinic);
  v_from timestamptz := from_date::timestamp at time zone v_tz;
  v_to timestamptz := (to_date + 1)::timestamp at time zone v_tz;
  v_result app_public.dashboard;
begin
  with per_day as (
    select m.business_date, sum(m.amount) as amount from app_private.daily_money m
    where m.clinic_id = v_clinic and m.business_date between from_date and to_date group by m.business_date
  )
  select (select coalesce(sum(amount), 0) from per_day),
    (select jsonb_agg(jsonb_build_object('date', g::date, 'amount', coalesce(p.amount, 0)) order by g)
     from generate_series(from_date, to_date, interval '1 day') g left join per_day p on p.business_date = g::date),
    (select coalesce(jsonb_agg(jsonb_build_object('method', method, 'amount', amount) order by method), '[]')
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
