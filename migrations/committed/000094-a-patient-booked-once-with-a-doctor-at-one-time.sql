--! Previous: sha1:668a441c07b772519f41564fb71966182499045a
--! Hash: sha1:4600770590cc5b0c1cb8def630ee0be5ee9f2f26
--! Message: a patient booked once with a doctor at one time

--------------------------------------------------------------------------------
-- A patient is booked once with a doctor at one time.
--
-- A double-clicked "book" (or two receptionists booking the same call) made two visits of one patient
-- with one doctor at one time: two VIS codes, the patient twice in the doctor's queue. An open visit
-- (scheduled, checked in or in progress) is now unique by clinic, patient, doctor and time: the second
-- booking, or a visit moved or handed onto another's slot, is CONFLICT (server/errors.ts names the
-- index). A patient may still be booked with two doctors at one time (a consultation and the lab), and
-- a visit that ended (completed, cancelled, no-show) frees its slot. The index is what makes it hold
-- when two bookings race. A database that already holds such twins stops this migration, naming them,
-- rather than choosing which to cancel.

do $$
declare
  v_count bigint;
  v_first text;
begin
  with twins as (
    select (select c.name from app_public.clinic c where c.id = v.clinic_id) || ': ' || string_agg(v.code, ' and ' order by v.code) as visits
    from app_public.visit v
    where v.status in ('scheduled', 'checked_in', 'in_progress')
    group by v.clinic_id, v.patient_id, v.doctor_id, v.scheduled_at having count(*) > 1)
  select (select count(*) from twins), (select string_agg(visits, '; ') from (select visits from twins order by visits limit 20) first)
  into v_count, v_first;
  if v_count > 0 then
    raise exception '% times, open visits book one patient twice with one doctor at one time (the first 20: %). Cancel all but one of each, then migrate again.', v_count, v_first;
  end if;
end;
$$;

drop index if exists app_public.visit_patient_booked_once;
create unique index visit_patient_booked_once on app_public.visit (clinic_id, patient_id, doctor_id, scheduled_at)
  where status in ('scheduled', 'checked_in', 'in_progress');
comment on index app_public.visit_patient_booked_once is 'An open visit (scheduled, checked in, in progress) books a patient once with a doctor at a time: a double-clicked booking is CONFLICT.';
