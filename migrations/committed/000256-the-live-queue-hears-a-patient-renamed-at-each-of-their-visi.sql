--! Previous: sha1:e4b6c93b8688878048c173ba2c6dcba204462ef6
--! Hash: sha1:8917772d8942fbc6cf88ff8406e41baaba96ea87
--! Message: The live queue hears a patient renamed at each of their visits under way

-- The live queue hears a patient renamed at each of their visits under way
--
-- The queue is told of a visit booked, stepped, moved, handed over or given another patient or reason (000060, 000128),
-- and each event reads the visit with its patient's name, as the screens show it. A patient's name corrected at the desk
-- while they waited (a misspelling, a married name) was no event: the doctor's and the other desks' queues kept the old
-- name until they read their lists again. Now a change of a patient's first or last name tells the queue of each of
-- their visits still under way (scheduled, checked in, in progress), with its status now; a visit that ended, and any
-- other change of the patient, stay silent.
create or replace function app_private.tg_patient__notify_visits() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_channel text := app_private.visit_queue_channel(new.clinic_id);
begin
  if v_channel is not null then -- without the key no one listens: the patient is written all the same
    perform pg_notify(v_channel, json_build_object('id', v.id, 'status', v.status)::text)
    from app_public.visit v
    where v.clinic_id = new.clinic_id and v.patient_id = new.id and v.status in ('scheduled', 'checked_in', 'in_progress');
  end if;
  return null;
end;
$$;
comment on function app_private.tg_patient__notify_visits() is 'AFTER UPDATE OF first_name, last_name on patients, when either changed: tells subscribers of the clinic''s visit queue (visitQueueChanged) of each of the patient''s visits still under way (scheduled, checked in, in progress), with its id and status now, on the clinic''s secret channel (visit_queue_channel), so that the queues show the name as it is now. Without the key, nothing is sent.';
revoke all on function app_private.tg_patient__notify_visits() from public;
drop trigger if exists _700_notify_visits on app_public.patient;
create trigger _700_notify_visits after update of first_name, last_name on app_public.patient
  for each row when (new.first_name is distinct from old.first_name or new.last_name is distinct from old.last_name)
  execute function app_private.tg_patient__notify_visits();
comment on trigger _700_notify_visits on app_public.patient is 'A patient renamed: the live queue hears of each of their visits under way (tg_patient__notify_visits).';
