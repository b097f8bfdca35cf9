--! Previous: sha1:79e794a4984beeb29dc897480b221581c33fbb18
--! Hash: sha1:f14831f207cbf696cb2398dbf7dc063fbdb31a2d
--! Message: The dashboard's rollups are rebuilt without JIT

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
