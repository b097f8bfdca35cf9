--! Previous: sha1:61ee13a10332c357bf7ae0a735a43ba00b50fdba
--! Hash: sha1:b8f6383ec8809f7218f8fdf2a2b23944fd419919
--! Message: a walk-in of a patient already checked in with the doctor books nothing

-- A walk-in sent again after the minute it was booked in is refused, naming the visit: checkInWalkIn booked the
-- visit for now, and a second request (a retry after the answer was lost, a double click across a minute's end)
-- booked a second visit of the same patient with the same doctor, both checked in, once a minute had turned (the
-- rule of one booking per patient, doctor and minute held only within the minute). A patient checked in today
-- with the doctor (or in the consultation) is CONFLICT "already checked in with this doctor: open VIS-… instead",
-- the visit's id in the error, as the booking's rule gives it; two sent at once take turns (the clinic's turn to
-- write), the second seeing the first. A visit left checked in on an earlier day does not count.

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
  update app_public.visit v set status = 'checked_in'
  where v.clinic_id = v_visit.clinic_id and v.id = v_visit.id
  returning * into v_visit;
  return v_visit;
end;
$$;
comment on function app_public.check_in_walk_in(uuid, uuid, text) is
  'A patient who walks in: books a visit with the doctor for now and checks the patient in, at once (one transaction). The booking and the check-in are those of createVisit and updateVisit, with their rules, stamps and audit entries. A patient already checked in with that doctor today (or in the consultation) is CONFLICT, naming that visit: the same walk-in sent again books nothing. Owners, admins and receptionists.';
