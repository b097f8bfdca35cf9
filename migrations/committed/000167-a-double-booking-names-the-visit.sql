--! Previous: sha1:a8a39072b748927e9be00556b13b43c5e4ef5a45
--! Hash: sha1:18184a2597792f59d160742d1247be1c640fc6de
--! Message: a double booking names the visit

-- A second open visit of a patient with one doctor in one minute (a double click, a visit moved onto
-- another's slot) was CONFLICT "This patient is already booked with this doctor at this time: open
-- that visit instead.", and the front desk had to find which: the refusal now names it ("open
-- VIS-000123 instead."). Two bookings at the very same moment, neither yet committed, still meet
-- the index (visit_patient_booked_once), which names none.

create or replace function app_private.tg_visit__booked_once() returns trigger
language plpgsql
set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_code text;
begin
  -- the minute as the index bins it
  select v.code into v_code from app_public.visit v
  where v.clinic_id = new.clinic_id and v.patient_id = new.patient_id and v.doctor_id = new.doctor_id
    and v.status in ('scheduled', 'checked_in', 'in_progress') and v.id <> new.id
    and date_bin('00:01:00', v.scheduled_at, '2000-01-01 00:00:00+00') = date_bin('00:01:00', new.scheduled_at, '2000-01-01 00:00:00+00')
  limit 1;
  if found then
    raise exception 'This patient is already booked with this doctor at this time: open % instead.', v_code using errcode = 'CCONF';
  end if;
  return new;
end;
$$;
comment on function app_private.tg_visit__booked_once() is
  'BEFORE INSERT or UPDATE of the patient, doctor or time of an open visit (a status never opens a visit again): CONFLICT naming the open visit of that patient with that doctor in that minute, if there is one (visit_patient_booked_once refuses two made at the same moment).';

drop trigger if exists _170_booked_once on app_public.visit;
create trigger _170_booked_once before insert or update of patient_id, doctor_id, scheduled_at on app_public.visit
  for each row when (new.status in ('scheduled', 'checked_in', 'in_progress'))
  execute function app_private.tg_visit__booked_once();
comment on trigger _170_booked_once on app_public.visit is 'A second open visit of a patient with a doctor in a minute is refused naming the first (tg_visit__booked_once).';
