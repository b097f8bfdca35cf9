--! Previous: sha1:d96a5f6aa266da7e70b4d119602ac3f1b1e4661f
--! Hash: sha1:47f8afd16c5bc7978e096ab486d4406d902d7ae6
--! Message: A tender a payment was corrected away from leaves the dashboard's revenue per method

-- A tender a payment was corrected away from leaves the dashboard's revenue per method
--
-- A cashier who keyed a payment as cash and corrected it to mobile money saw the dashboard (and the monthly
-- summary's payments by method) list cash at 0.000 for that day, a tender no money was taken in, which no
-- payment or refund showed and which a rebuild of the rollups (a change of time zone) then dropped: the per-day
-- money rollup kept the emptied row of the old method, and the dashboard listed every row. The rollup now also
-- counts the payments and refunds of each day and method (movements), kept by the same trigger and the rebuild,
-- and the dashboard lists the methods that moved money in the period: a tender fully refunded stays, at 0.000,
-- as its rows say; one corrected away goes.
alter table app_private.daily_money add column if not exists movements integer not null default 0;
comment on column app_private.daily_money.movements is 'How many payments and refunds were recorded that day in that method (a method corrected away leaves 0): the dashboard lists the methods with any.';

update app_private.daily_money m set movements = x.n
from (
  select u.clinic_id, u.business_date, u.method, count(*)::integer as n from (
    select p.clinic_id, p.business_date, p.method from app_public.payment p
    union all
    select r.clinic_id, r.business_date, r.method from app_public.refund r
  ) u group by 1, 2, 3
) x
where (m.clinic_id, m.business_date, m.method) = (x.clinic_id, x.business_date, x.method) and m.movements <> x.n;

create or replace function app_private.tg__money_rollup() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_sign integer := case when tg_table_name = 'refund' then -1 else 1 end;
begin
  if tg_op in ('UPDATE', 'DELETE') then
    update app_private.daily_money m set amount = m.amount - v_sign * old.amount, movements = m.movements - 1
    where m.clinic_id = old.clinic_id and m.business_date = old.business_date and m.method = old.method;
  end if;
  if tg_op in ('INSERT', 'UPDATE') then
    insert into app_private.daily_money as m (clinic_id, business_date, method, amount, movements)
    values (new.clinic_id, new.business_date, new.method, v_sign * new.amount, 1)
    on conflict (clinic_id, business_date, method) do update set amount = m.amount + excluded.amount, movements = m.movements + 1;
  end if;
  return null;
end;
$$;
comment on function app_private.tg__money_rollup() is 'AFTER INSERT/UPDATE/DELETE on payments and refunds: keeps daily_money (the amount and the count of movements).';

create or replace function app_private.rebuild_rollups(clinic_id uuid) returns void
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'on'
as $$
begin
  delete from app_private.daily_money m where m.clinic_id = rebuild_rollups.clinic_id;
  insert into app_private.daily_money (clinic_id, business_date, method, amount, movements)
  select rebuild_rollups.clinic_id, x.business_date, x.method, sum(x.amount), count(*) from (
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

  select coalesce(jsonb_agg(jsonb_build_object('doctorId', doctor_id, 'name', full_name, 'count', n) order by n desc, full_name collate "und-x-icu"), '[]')
  into v_result.visits_by_doctor
  from (select d.doctor_id, u.full_name, sum(d.visits) as n
        from app_private.daily_visits d
        join app_public.membership m on m.clinic_id = d.clinic_id and m.id = d.doctor_id
        join app_public."user" u on u.id = m.user_id
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date
        group by d.doctor_id, u.full_name having sum(d.visits) > 0) x;

  select coalesce(sum(d.patients), 0) into v_result.new_patients from app_private.daily_patients d
  where d.clinic_id = v_clinic and d.local_date between from_date and to_date;

  select coalesce(jsonb_agg(jsonb_build_object('serviceId', service_id, 'name', name, 'quantity', quantity, 'amount', amount::text) order by amount desc, name collate "und-x-icu"), '[]')
  into v_result.top_services
  from (select d.service_id, s.name, sum(d.quantity) as quantity, sum(d.amount) as amount
        from app_private.daily_services d
        join app_public.service s on s.clinic_id = d.clinic_id and s.id = d.service_id
        where d.clinic_id = v_clinic and d.local_date between from_date and to_date
        group by d.service_id, s.name having sum(d.quantity) > 0
        order by amount desc, s.name collate "und-x-icu" limit 5) x;

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
