--! Previous: sha1:d4851271afba9f4c3ec384f80212f3974e13b193
--! Hash: sha1:a7c0201d0469714053c214274f2cfcfbab596476
--! Message: The patient of a doctor who left is checked in once the visit is handed to another doctor

-- The patient of a doctor who left is checked in once the visit is handed to another doctor
--
-- A doctor removed from the clinic, suspended or moved to another role keeps the visits booked with them, and the
-- front desk checked their patient in all the same: the patient then waited in a queue no doctor of the clinic
-- sees (a doctor reads and hears their own visits only, and the one who left has no session), until someone
-- noticed. Now checking such a visit in is INVALID_TRANSITION "This visit's doctor no longer sees patients in this
-- clinic: give the visit to another doctor, then check the patient in."; the front desk gives it another doctor
-- first, or in the same request (doctorId with the status), as before. Trusted connections (operators, data loads)
-- are not held to it, as to the check-in's other rules.

create or replace function app_private.tg_visit__checked_in_to_a_doctor() returns trigger
language plpgsql as $$
begin
  if app_public.current_user_id() is not null and not app_hidden.is_practising_doctor(new.clinic_id, new.doctor_id) then
    raise exception 'This visit''s doctor no longer sees patients in this clinic: give the visit to another doctor, then check the patient in.'
      using errcode = 'CTRAN';
  end if;
  return new;
end;
$$;

comment on function app_private.tg_visit__checked_in_to_a_doctor() is 'BEFORE UPDATE OF status to checked_in (after the lifecycle''s checks): a session checks a patient in only to a practising doctor of the clinic (is_practising_doctor, read as the caller), INVALID_TRANSITION otherwise, saying to give the visit to another doctor first; the visit of a doctor who left keeps its doctor until then. Trusted connections are not held to it.';

drop trigger if exists _205_checked_in_to_a_doctor on app_public.visit;
create trigger _205_checked_in_to_a_doctor before update of status on app_public.visit
  for each row when (new.status = 'checked_in' and old.status is distinct from 'checked_in')
  execute function app_private.tg_visit__checked_in_to_a_doctor();
