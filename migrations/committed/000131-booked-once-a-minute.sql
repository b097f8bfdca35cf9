--! Previous: sha1:68c95eb4a9b53a4e1ee498ba433adf765b2f92f5
--! Hash: sha1:33dbbbae55b202d99350048ec9af8dc33544d7e9
--! Message: booked once a minute

-- A patient is booked once with a doctor in a minute: the unique index compared times to the
-- microsecond, so 10:00:00.5 booked a second open visit beside the one at 10:00 (a double click of a
-- client that sends the time it was clicked). Bookings are made to the minute; seconds do not make a
-- second visit.

-- open visits seconds apart booked before stop the migration, naming them (as 000094's twins did)
do $$
declare
  v_count bigint;
  v_first text;
begin
  with twins as (
    select (select c.name from app_public.clinic c where c.id = v.clinic_id) || ': ' || string_agg(v.code, ' and ' order by v.code) as visits
    from app_public.visit v
    where v.status in ('scheduled', 'checked_in', 'in_progress')
    group by v.clinic_id, v.patient_id, v.doctor_id, date_bin('1 minute', v.scheduled_at, timestamptz '2000-01-01 00:00+00')
    having count(*) > 1)
  select (select count(*) from twins), (select string_agg(visits, '; ') from (select visits from twins order by visits limit 20) first)
  into v_count, v_first;
  if v_count > 0 then
    raise exception '% times, open visits book one patient twice with one doctor in one minute (the first 20: %). Cancel all but one of each, then migrate again.', v_count, v_first;
  end if;
end;
$$;

drop index if exists app_public.visit_patient_booked_once;
create unique index visit_patient_booked_once on app_public.visit
  (clinic_id, patient_id, doctor_id, date_bin('1 minute', scheduled_at, timestamptz '2000-01-01 00:00+00'))
  where status in ('scheduled', 'checked_in', 'in_progress');
comment on index app_public.visit_patient_booked_once is
  'An open visit (scheduled, checked in, in progress) books a patient once with a doctor in a minute: a double-clicked booking, seconds apart or not, is CONFLICT.';
