--! Previous: sha1:b5f0b94f075e88f754cd2677da99faa8b82972aa
--! Hash: sha1:62f5ac5e4ec034c52269e66171301bec59ebbffe
--! Message: service and visit value rollups

--! split: 100-service-and-visit-value-rollups.sql
-- Two more dashboard rollups, so that no part of a year's dashboard reads a
-- year of rows: services invoiced per local day (top services), and the value
-- of completed visits per day, status and doctor (average visit value). A
-- completed visit's services are frozen, so its value is final when it is
-- counted; an invoice is never deleted (it is voided), and voiding takes its
-- lines out of the rollup.

create table if not exists app_private.daily_services (
  clinic_id uuid not null references app_public.clinic,
  local_date date not null,
  service_id uuid not null,
  quantity numeric(16, 3) not null default 0,
  amount numeric(16, 3) not null default 0,
  primary key (clinic_id, local_date, service_id)
);
comment on table app_private.daily_services is 'Invoice lines of catalog services per clinic, local day of the invoice''s creation and service, void invoices left out (dashboard rollup).';
comment on column app_private.daily_services.clinic_id is 'The clinic.';
comment on column app_private.daily_services.local_date is 'The clinic''s local date of the invoice''s creation.';
comment on column app_private.daily_services.service_id is 'The catalog service.';
comment on column app_private.daily_services.quantity is 'Quantity invoiced.';
comment on column app_private.daily_services.amount is 'Line totals invoiced (after discount, with tax).';
alter table app_private.daily_services enable row level security;
alter table app_private.daily_services force row level security;
drop policy if exists owner_only on app_private.daily_services;
create policy owner_only on app_private.daily_services to :DATABASE_OWNER using (true);

alter table app_private.daily_visits add column if not exists completed_value numeric(16, 3) not null default 0;
comment on column app_private.daily_visits.completed_value is 'For completed visits, the value of their services (quantity × unit price − discount); 0 for other statuses.';

alter table app_public.visit_service add column if not exists line_total numeric(16, 3)
  generated always as (quantity * unit_price - discount) stored;
comment on column app_public.visit_service.line_total is 'Quantity × unit price − discount: what the service is worth in this visit.';

-- the analysts' visits read the same definition
create or replace view reporting.visits as
  select v.clinic_id, c.name as clinic_name, v.code, v.status, v.scheduled_at, v.checked_in_at, v.started_at,
         v.completed_at, v.cancelled_at, v.cancel_reason, p.code as patient_code, u.full_name as doctor_name,
         (select coalesce(sum(s.line_total), 0) from app_public.visit_service s
          where s.clinic_id = v.clinic_id and s.visit_id = v.id) as services_value
  from app_public.visit v
  join app_public.clinic c on c.id = v.clinic_id
  join app_public.patient p on p.clinic_id = v.clinic_id and p.id = v.patient_id
  join app_public.membership m on m.clinic_id = v.clinic_id and m.id = v.doctor_id
  join app_public."user" u on u.id = m.user_id
  where v.clinic_id in (select reporting.granted_clinics());

create or replace function app_private.visit_value(clinic_id uuid, visit_id uuid) returns numeric
language sql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
  select coalesce(sum(s.line_total), 0) from app_public.visit_service s
  where s.clinic_id = visit_value.clinic_id and s.visit_id = visit_value.visit_id;
$$;
comment on function app_private.visit_value(uuid, uuid) is 'The value of a visit''s services: their line totals, summed.';

create or replace function app_private.tg_visit__rollup() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    update app_private.daily_visits d set visits = d.visits - 1,
      completed_value = d.completed_value - case when old.status = 'completed' then app_private.visit_value(old.clinic_id, old.id) else 0 end
    where d.clinic_id = old.clinic_id and d.local_date = app_private.local_date(old.clinic_id, old.scheduled_at)
      and d.status = old.status and d.doctor_id = old.doctor_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into app_private.daily_visits as d (clinic_id, local_date, status, doctor_id, visits, completed_value)
    values (new.clinic_id, app_private.local_date(new.clinic_id, new.scheduled_at), new.status, new.doctor_id, 1,
            case when new.status = 'completed' then app_private.visit_value(new.clinic_id, new.id) else 0 end)
    on conflict (clinic_id, local_date, status, doctor_id)
    do update set visits = d.visits + 1, completed_value = d.completed_value + excluded.completed_value;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_visit__rollup() is 'AFTER INSERT/UPDATE/DELETE on visits: keeps daily_visits (counts, and the value of completed visits).';

create or replace function app_private.add_to_daily_services(invoice app_public.invoice, lines app_public.invoice_line[], sign integer) returns void
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  insert into app_private.daily_services as d (clinic_id, local_date, service_id, quantity, amount)
  select l.clinic_id, app_private.local_date(invoice.clinic_id, invoice.created_at), l.service_id, sign * sum(l.quantity), sign * sum(l.line_total)
  from unnest(lines) l
  where l.service_id is not null and invoice.status <> 'void'
  group by l.clinic_id, l.service_id
  on conflict (clinic_id, local_date, service_id)
  do update set quantity = d.quantity + excluded.quantity, amount = d.amount + excluded.amount;
$$;
comment on function app_private.add_to_daily_services(app_public.invoice, app_public.invoice_line[], integer) is 'Adds (sign 1) or takes out (sign -1) lines of an invoice in daily_services: those of a catalog service, and none of a void invoice.';

create or replace function app_private.tg_invoice_line__rollup() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    perform app_private.add_to_daily_services(i, array[old], -1) from app_public.invoice i where i.clinic_id = old.clinic_id and i.id = old.invoice_id;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    perform app_private.add_to_daily_services(i, array[new], 1) from app_public.invoice i where i.clinic_id = new.clinic_id and i.id = new.invoice_id;
  end if;
  return null;
end;
$$;
comment on function app_private.tg_invoice_line__rollup() is 'AFTER INSERT/UPDATE/DELETE on invoice lines: keeps daily_services.';

create or replace function app_private.tg_invoice__rollup() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_lines app_public.invoice_line[] := array(select l from app_public.invoice_line l where l.clinic_id = new.clinic_id and l.invoice_id = new.id);
begin
  -- the lines were counted under the old invoice (when live) and count under the new one (when live)
  perform app_private.add_to_daily_services(old, v_lines, -1);
  perform app_private.add_to_daily_services(new, v_lines, 1);
  return null;
end;
$$;
comment on function app_private.tg_invoice__rollup() is 'AFTER UPDATE of status or created_at on invoices: voiding takes the lines out of daily_services.';

drop trigger if exists _650_rollup on app_public.invoice_line;
drop trigger if exists _650_rollup on app_public.invoice;
create trigger _650_rollup after insert or update of invoice_id, service_id, quantity, unit_price, discount, tax_rate or delete on app_public.invoice_line
  for each row execute function app_private.tg_invoice_line__rollup();
create trigger _650_rollup after update of status, created_at on app_public.invoice
  for each row when ((old.status = 'void') is distinct from (new.status = 'void') or old.created_at is distinct from new.created_at)
  execute function app_private.tg_invoice__rollup();

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
  insert into app_private.daily_services (clinic_id, local_date, service_id, quantity, amount)
  select l.clinic_id, (i.created_at at time zone c.timezone)::date, l.service_id, sum(l.quantity), sum(l.line_total)
  from app_public.invoice_line l
  join app_public.invoice i on i.clinic_id = l.clinic_id and i.id = l.invoice_id
  join app_public.clinic c on c.id = l.clinic_id
  where l.clinic_id = rebuild_rollups.clinic_id and l.service_id is not null and i.status <> 'void'
  group by 1, 2, 3;
end;
$$;
comment on function app_private.rebuild_rollups(uuid) is 'Recomputes a clinic''s dashboard rollups from its payments, refunds, visits and their services, patients and invoice lines.';

create or replace function app_private.dashboard_for(clinic_id uuid, from_date date, to_date date) returns app_public.dashboard
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
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
  from (select d.service_id, s.name, sum(d.quantity) as quantity, sum(d.amount) as amount
        from app_private.daily_services d
        join app_public.service s on s.clinic_id = d.clinic_id and s.id = d.service_id
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date
        group by d.service_id, s.name having sum(d.quantity) > 0
        order by amount desc, s.name limit 5) x;

  select coalesce(sum(i.balance), 0) into v_result.outstanding_balance from app_public.invoice i
  where i.clinic_id = v_clinic and i.status in ('issued', 'partially_paid');

  select round(sum(d.completed_value) / nullif(sum(d.visits), 0), 2)
  into v_result.average_visit_value
  from app_private.daily_visits d
  where d.clinic_id = v_clinic and d.status = 'completed' and d.local_date between from_date and to_date;

  return v_result;
end;
$$;

-- Existing data: the new table and column are filled from the source rows.
select app_private.rebuild_rollups(c.id) from app_public.clinic c;
