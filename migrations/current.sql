-- The dashboard's rollups are rebuilt without JIT
--
-- A change of the clinic's time zone rebuilt the clinic's dashboard rollups (rebuild_rollups, which an operator also
-- runs after a bulk load) while it held the clinic's audit chain head, so the clinic's payments and check-ins waited
-- for it: in a clinic of 20,000 patients, 60,000 visits and a year of payments the change took about a second
-- (bench/time-zone-change.ts). A fifth of that was PostgreSQL compiling the rebuild's statements to machine code
-- (JIT, with inlining): run as the owner, its reads go through the tables' policies, which the planner cannot tell
-- are true and prices as if each row ran a subquery, so a statement of 60,000 rows was costed as one of millions,
-- past the costs that turn JIT on; the API turns only JIT's optimisation off (server/pg-settings.ts). The rebuild now
-- runs without JIT: the same statements and rows, executed at once (0.92 s for that change instead of 1.12 s, p50,
-- measured in one run). The change of time zone moves the rollups instead since the next part, which does the same.
create or replace function app_private.rebuild_rollups(clinic_id uuid) returns void
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
  set clinicops.include_deleted to 'on'
  set jit to off
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
comment on function app_private.rebuild_rollups(uuid) is 'Recomputes a clinic''s dashboard rollups from its payments, refunds, visits and their services, patients (soft-deleted ones included, by its definition: 000061) and invoice lines, without JIT (its statements, costed through the tables'' policies as far larger than they are, were compiled first). For an operator after a bulk load that bypassed the triggers; a change of time zone moves the rollups instead (move_rollups_to_zone).';

-- A change of the clinic's time zone moves only what changes day on the dashboard
--
-- A change of the clinic's time zone recomputed all of the clinic's rollups from every payment, visit, service,
-- patient and invoice line, while the clinic's payments, check-ins and registrations waited for it (above). Money
-- does not move (it stays on its business day), and of the rest only what was on one day in the old zone and is on
-- another in the new one moves: a clinic set two hours off moves about a twelfth of its visits, one set to a zone with
-- the same hours none. The change now takes each such visit, patient and invoice's lines off its old day's rollup and
-- puts them on the new day's, in one statement per rollup (the rollups are kept equal to a rebuild by their
-- triggers). In a clinic of 60,000 visits set two hours off, the change through the API took 0.29 s instead of
-- 0.92 s (p50, one run) and a payment sent into it 0.06 s instead of 0.68 s; a move of every row (zones a day
-- apart) takes somewhat longer than the rebuild did (0.52 s against 0.35 s in psql). It still runs after the clinic
-- row's audit entry, holding the clinic's audit chain head, so a write sent meanwhile waits for it and counts once,
-- on its new day.
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
  insert into app_private.daily_visits as d (clinic_id, local_date, status, doctor_id, visits, completed_value)
  select v_clinic, x.local_date, x.status, x.doctor_id, sum(x.visits), sum(x.value) from delta x group by 2, 3, 4
  on conflict on constraint daily_visits_pkey
  do update set visits = d.visits + excluded.visits, completed_value = d.completed_value + excluded.completed_value;

  with moved as (
    select (p.created_at at time zone from_zone)::date as from_date, (p.created_at at time zone to_zone)::date as to_date
    from app_public.patient p
    where p.clinic_id = v_clinic and (p.created_at at time zone from_zone)::date <> (p.created_at at time zone to_zone)::date),
  delta as (
    select from_date as local_date, -count(*) as patients from moved group by 1
    union all
    select to_date, count(*) from moved group by 1)
  insert into app_private.daily_patients as d (clinic_id, local_date, patients)
  select v_clinic, x.local_date, sum(x.patients) from delta x group by 2
  on conflict on constraint daily_patients_pkey do update set patients = d.patients + excluded.patients;

  with moved as (
    select (i.created_at at time zone from_zone)::date as from_date, (i.created_at at time zone to_zone)::date as to_date,
           l.service_id, l.quantity, l.line_total
    from app_public.invoice i
    join app_public.invoice_line l on l.clinic_id = i.clinic_id and l.invoice_id = i.id
    where i.clinic_id = v_clinic and l.clinic_id = v_clinic and l.service_id is not null and i.status <> 'void'
      and (i.created_at at time zone from_zone)::date <> (i.created_at at time zone to_zone)::date),
  delta as (
    select from_date as local_date, service_id, -sum(quantity) as quantity, -sum(line_total) as amount from moved group by 1, 2
    union all
    select to_date, service_id, sum(quantity), sum(line_total) from moved group by 1, 2)
  insert into app_private.daily_services as d (clinic_id, local_date, service_id, quantity, amount)
  select v_clinic, x.local_date, x.service_id, sum(x.quantity), sum(x.amount) from delta x group by 2, 3
  on conflict on constraint daily_services_pkey do update set quantity = d.quantity + excluded.quantity, amount = d.amount + excluded.amount;
end;
$$;
comment on function app_private.move_rollups_to_zone(uuid, text, text) is 'On a change of the clinic''s time zone from from_zone to to_zone: each visit, patient (soft-deleted ones included, as rebuild_rollups counts them) and non-void invoice''s service lines whose local day differs between the zones taken off its old day''s rollup and put on its new day''s; money stays on its business day. Without JIT, as rebuild_rollups. Run after the clinic row''s audit entry, holding the clinic''s audit chain head: the clinic''s writes take turns with it.';

create or replace function app_private.tg_clinic__timezone_rollups() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
begin
  perform app_private.move_rollups_to_zone(new.id, old.timezone, new.timezone);
  return null;
end;
$$;
comment on function app_private.tg_clinic__timezone_rollups() is 'AFTER UPDATE OF timezone on clinic: local days moved, so what changed day moves on the rollups (move_rollups_to_zone).';
