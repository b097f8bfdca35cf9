--! Previous: sha1:f2e7d8b9201da129826097fb1926c4cc069b7d35
--! Hash: sha1:6cd27a096f1a4526c0d7a51e48fb925cda500a29
--! Message: A change of the clinic's time zone leaves no rows of nothing on the dashboard's rollups

-- A change of the clinic's time zone leaves no rows of nothing on the days it moved visits, patients and services off
--
-- A change of the clinic's time zone took each visit, patient and invoice line that changes day off its old day's
-- rollup, and a day it took everything off stayed as a row of nothing (no visits, no patients, no quantity) where a
-- rebuild has none. The dashboard skips them, but every change of zone left more, and the dashboard's queries read
-- through them. The move now merges each rollup's changes in one statement that deletes a row it brings to nothing
-- and adds to (or makes) the others: one pass over the moved rows, joined by hash to the clinic's rollup rows (read
-- by the key's clinic prefix); in a clinic of 60,000 visits (and 60 other clinics' rollups) a move of two hours or of
-- a day took about as long as before (0.07 to 0.11 s and 0.13 to 0.17 s in psql, against 0.07 to 0.08 s and 0.12 to
-- 0.15 s, beside other work on the machine).
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
           l.service_id, l.quantity, l.line_total
    from app_public.invoice i
    join app_public.invoice_line l on l.clinic_id = i.clinic_id and l.invoice_id = i.id
    where i.clinic_id = v_clinic and l.clinic_id = v_clinic and l.service_id is not null and i.status <> 'void'
      and (i.created_at at time zone from_zone)::date <> (i.created_at at time zone to_zone)::date),
  delta as (
    select from_date as local_date, service_id, -sum(quantity) as quantity, -sum(line_total) as amount from moved group by 1, 2
    union all
    select to_date, service_id, sum(quantity), sum(line_total) from moved group by 1, 2)
  merge into app_private.daily_services as d
  using (select x.local_date, x.service_id, sum(x.quantity) as quantity, sum(x.amount) as amount from delta x group by 1, 2) x
  on d.clinic_id = v_clinic and d.local_date = x.local_date and d.service_id = x.service_id
  -- a line's quantity is above 0: a day's quantity of 0 is no line
  when matched and d.quantity + x.quantity = 0 then delete
  when matched then update set quantity = d.quantity + x.quantity, amount = d.amount + x.amount
  when not matched and x.quantity <> 0 then insert (clinic_id, local_date, service_id, quantity, amount)
    values (v_clinic, x.local_date, x.service_id, x.quantity, x.amount);
end;
$$;
comment on function app_private.move_rollups_to_zone(uuid, text, text) is 'On a change of the clinic''s time zone from from_zone to to_zone: each visit, patient (soft-deleted ones included, as rebuild_rollups counts them) and non-void invoice''s service lines whose local day differs between the zones taken off its old day''s rollup and put on its new day''s, a rollup row brought to nothing (no visits, patients or quantity) deleted, as a rebuild has none; money stays on its business day. Without JIT, as rebuild_rollups. Run after the clinic row''s audit entry, holding the clinic''s audit chain head: the clinic''s writes take turns with it.';
