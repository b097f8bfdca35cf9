--! Previous: sha1:8b95730d382d1ce1bdfa5e92fce03385ab6792e3
--! Hash: sha1:e2ffb5079b1cf7a4a9dc7ed6db9a6d06e31c7a74
--! Message: A rebuild of the dashboard's rollups takes turns with the clinic's writes

-- A rebuild of the dashboard's rollups takes turns with the clinic's writes
--
-- rebuild_rollups, which operations.md has an operator run for every clinic on a live system after a time-zone data
-- update or a bulk load, deleted a clinic's rollup rows and inserted them again from what its snapshot saw, taking no
-- turn with the clinic's writes. A visit changed meanwhile (a doctor starting a checked-in visit, a visit moved or
-- handed over) waited for the rebuild's deleted row to take itself off its old day, status or doctor, found it gone
-- once the rebuild committed, and took itself off nothing, while the rebuild, which had read the visit as it was
-- before, counted it there: the visit counted twice (checked in and in progress) on the dashboard and in the monthly
-- summary for good, until the next rebuild. Now the rebuild first holds the clinic's audit chain head, which every
-- write that moves a rollup takes at its audit entry before its rollup trigger (as a change of time zone's move holds
-- it): a write under way is committed before the rebuild reads, and one sent meanwhile waits for the rebuild and then
-- moves the rebuilt rows.
create or replace function app_private.rebuild_rollups(clinic_id uuid) returns void
    language plpgsql security definer
    set search_path to 'pg_catalog', 'public', 'pg_temp'
    set "clinicops.include_deleted" to 'on'
    set jit to 'off'
    as $$
begin
  -- the clinic's writes take turns with the rebuild: each moves the rollups after its audit entry, holding this head
  perform app_private.lock_audit_chains(array[rebuild_rollups.clinic_id]);

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
comment on function app_private.rebuild_rollups(uuid) is
  'Recomputes a clinic''s dashboard rollups from its payments, refunds, visits and their services, patients (soft-deleted ones included, by its definition: 000061) and invoice lines (money and services per currency, the invoice''s), without JIT (its statements, costed through the tables'' policies as far larger than they are, were compiled first). Holds the clinic''s audit chain head first (lock_audit_chains), as every write that moves a rollup does at its audit entry: a write under way is counted once it commits, one sent meanwhile waits and moves the rebuilt rows (a visit changed during a rebuild was counted in its old and its new status, 000456). For an operator after a bulk load that bypassed the triggers, or a time-zone data update (clinics in the order of their ids, as writers of several chains lock them); a change of time zone moves the rollups instead (move_rollups_to_zone).';
revoke all on function app_private.rebuild_rollups(uuid) from public;
