--! Previous: sha1:e8256f3a0804ebb024aa81d1ecc523883f3c84d0
--! Hash: sha1:9114848ea65502dcb4a6a63f07988494c1a3c706
--! Message: queue hears new patients

-- The live queue hears a visit given another patient or reason: both can change until check-in,
-- and the queue shows them (its query names the patient), so every front desk screen kept showing the
-- first patient booked until it reloaded.

create or replace function app_private.tg_visit__notify() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_channel text;
begin
  if tg_op = 'UPDATE' and (new.status, new.scheduled_at, new.doctor_id, new.patient_id, new.reason)
                          is not distinct from (old.status, old.scheduled_at, old.doctor_id, old.patient_id, old.reason) then
    return null;
  end if;
  v_channel := app_private.visit_queue_channel(new.clinic_id);
  if v_channel is not null then -- without the key no one listens: the visit is written all the same
    perform pg_notify(v_channel, json_build_object('id', new.id, 'status', new.status)::text);
  end if;
  return null;
end;
$$;
comment on function app_private.tg_visit__notify() is 'AFTER INSERT OR UPDATE: tells subscribers of the clinic''s visit queue (GraphQL subscription visitQueueChanged) that a visit was booked, changed status, was moved to another time, handed to another doctor, or given another patient or reason, with its id and status now, on the clinic''s secret channel (visit_queue_channel; any role may LISTEN, but only the owner can name the channel). Without the key (app_private.secret_key, live_queue), nothing is sent and the visit is written.';

drop trigger if exists _700_notify on app_public.visit;
create trigger _700_notify after insert or update of status, scheduled_at, doctor_id, patient_id, reason on app_public.visit
  for each row execute function app_private.tg_visit__notify();
comment on trigger _700_notify on app_public.visit is
  'A visit booked, or changed in what the queue shows (status, time, doctor, patient, reason), is told to its clinic''s queue (tg_visit__notify).';
