--! Previous: sha1:b107722e2fc61f4f755d14b03f04eba78237d84a
--! Hash: sha1:74b904e212ef2317856d88d6ca13ec52b701e433
--! Message: a walk-in is booked and checked in with one request

-- A walk-in is booked and checked in at once: checkInWalkIn(patientId, doctorId, reason) books the visit for now
-- and checks the patient in, in one transaction, through the same insert and update the two steps make (createVisit,
-- then updateVisit's status), so the same policies, triggers, stamps, audit entries and refusals hold (a doctor who
-- is not one, a patient of another clinic or deleted, the front desk only); the front desk sent two requests, and a
-- second one lost left a walk-in booked and not in the waiting room.

create or replace function app_public.check_in_walk_in(patient_id uuid, doctor_id uuid, reason text default null) returns app_public.visit
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp as $$
declare
  v_visit app_public.visit;
begin
  insert into app_public.visit (patient_id, doctor_id, scheduled_at, reason)
  values (check_in_walk_in.patient_id, check_in_walk_in.doctor_id, now(), check_in_walk_in.reason)
  returning * into v_visit;
  update app_public.visit v set status = 'checked_in'
  where v.clinic_id = v_visit.clinic_id and v.id = v_visit.id
  returning * into v_visit;
  return v_visit;
end;
$$;
comment on function app_public.check_in_walk_in(uuid, uuid, text) is
  'A patient who walks in: books a visit with the doctor for now and checks the patient in, at once (one transaction). The booking and the check-in are those of createVisit and updateVisit, with their rules, stamps and audit entries. Owners, admins and receptionists.';
revoke all on function app_public.check_in_walk_in(uuid, uuid, text) from public;
grant execute on function app_public.check_in_walk_in(uuid, uuid, text) to :DATABASE_VISITOR;
