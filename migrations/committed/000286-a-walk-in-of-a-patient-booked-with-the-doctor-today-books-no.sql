--! Previous: sha1:73e714faa9a283683ad2c87a5f41f473b0b5ce4e
--! Hash: sha1:ff37cf31faf81062081b963f7cc5d1d21becec8e
--! Message: A walk-in of a patient booked with the doctor today books nothing: the booked visit is checked in

-- A walk-in of a patient booked with the doctor today books nothing: the booked visit is checked in
--
-- A patient booked with a doctor today who came to the desk and was checked in as a walk-in (checkInWalkIn) was
-- booked a second visit, checked in, while the visit they had booked stayed on the day list as not come: marked a
-- no-show later though the patient came, or checked in as well, the patient twice in the doctor's queue. Now a
-- walk-in of a patient with a visit still scheduled with that doctor on the clinic's day today (earlier, come
-- late, or later) is CONFLICT "This patient is booked with this doctor today at 10:00: check in VIS-… instead.",
-- the visit's id in the error (extensions.visitId), and nothing is booked. With another doctor, or past a booking
-- of an earlier day left scheduled, the patient walks in as before.

create or replace function app_public.check_in_walk_in(patient_id uuid, doctor_id uuid, reason text default null) returns app_public.visit
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  v_visit app_public.visit;
  v_here app_public.visit;
begin
  insert into app_public.visit (patient_id, doctor_id, scheduled_at, reason)
  values (check_in_walk_in.patient_id, check_in_walk_in.doctor_id, now(), check_in_walk_in.reason)
  returning * into v_visit;
  -- read after the insert: a walk-in sent at the same time went first (the clinic's turn to write, 000143, and
  -- its visit's code), and this statement sees it committed
  select * into v_here from app_public.visit v
  where v.clinic_id = v_visit.clinic_id and v.patient_id = v_visit.patient_id and v.doctor_id = v_visit.doctor_id
    and v.status in ('checked_in', 'in_progress') and v.id <> v_visit.id
    -- today: a visit left checked in on an earlier day does not keep the patient from walking in
    and app_private.local_date(v.clinic_id, v.checked_in_at) = app_private.local_date(v_visit.clinic_id, v_visit.scheduled_at)
  order by v.checked_in_at desc
  limit 1;
  if found then
    raise exception 'This patient is already checked in with this doctor: open % instead.', v_here.code
      using errcode = 'CCONF', detail = json_build_object('visitId', v_here.id)::text;
  end if;
  -- booked today, not yet checked in: that visit is the one the patient came for (a booking of an earlier day
  -- left scheduled was missed, and does not count)
  select * into v_here from app_public.visit v
  where v.clinic_id = v_visit.clinic_id and v.patient_id = v_visit.patient_id and v.doctor_id = v_visit.doctor_id
    and v.status = 'scheduled' and v.id <> v_visit.id
    and app_private.local_date(v.clinic_id, v.scheduled_at) = app_private.local_date(v_visit.clinic_id, v_visit.scheduled_at)
  order by v.scheduled_at
  limit 1;
  if found then
    raise exception 'This patient is booked with this doctor today at %: check in % instead.',
      right(app_hidden.local_time_text(v_here.clinic_id, v_here.scheduled_at), 5), v_here.code
      using errcode = 'CCONF', detail = json_build_object('visitId', v_here.id)::text;
  end if;
  update app_public.visit v set status = 'checked_in'
  where v.clinic_id = v_visit.clinic_id and v.id = v_visit.id
  returning * into v_visit;
  return v_visit;
end;
$$;

comment on function app_public.check_in_walk_in(uuid, uuid, text) is 'A patient who walks in: books a visit with the doctor for now and checks the patient in, at once (one transaction). The booking and the check-in are those of createVisit and updateVisit, with their rules, stamps and audit entries. A patient already checked in with that doctor today, on the clinic''s clock (or in the consultation), is CONFLICT naming that visit (its code in the message, its id in extensions.visitId): the same walk-in sent again books nothing; so is a patient with a visit still scheduled with that doctor today (checked in instead: the patient came for it). Owners, admins and receptionists.';
