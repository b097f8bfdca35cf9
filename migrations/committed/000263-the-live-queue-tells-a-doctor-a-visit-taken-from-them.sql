--! Previous: sha1:08abf460f096bfcbcf956f0faa75b61ec04b551f
--! Hash: sha1:414a0469cc7c37530c75dd33c26fbd26006e3541
--! Message: The live queue tells a doctor a visit taken from them

-- The live queue tells a doctor a visit taken from them
--
-- A visit handed from one doctor to another was heard by the front desk and by the doctor who took it,
-- but the doctor it was taken from heard nothing: row-level security no longer shows them the visit, so
-- their queue kept listing a patient who now waits for someone else until they reloaded. A notification
-- of a visit given another doctor now names the doctor it left (`from_doctor`), and the API tells that
-- doctor's sessions the visit left their list (`visitQueueChanged { visitId leftYourList }`), without
-- the visit; it tells nobody else, and only on the visit's own clinic's secret channel.

create or replace function app_private.tg_visit__notify() returns trigger
  language plpgsql security definer
  set search_path to pg_catalog, public, pg_temp
as $$
declare
  v_channel text;
  v_payload jsonb;
begin
  if tg_op = 'UPDATE' and (new.status, new.scheduled_at, new.doctor_id, new.patient_id, new.reason)
                          is not distinct from (old.status, old.scheduled_at, old.doctor_id, old.patient_id, old.reason) then
    return null;
  end if;
  v_channel := app_private.visit_queue_channel(new.clinic_id);
  if v_channel is not null then -- without the key no one listens: the visit is written all the same
    v_payload := jsonb_build_object('id', new.id, 'status', new.status);
    if tg_op = 'UPDATE' and new.doctor_id is distinct from old.doctor_id then
      v_payload := v_payload || jsonb_build_object('from_doctor', old.doctor_id);
    end if;
    perform pg_notify(v_channel, v_payload::text);
  end if;
  return null;
end;
$$;
comment on function app_private.tg_visit__notify() is 'AFTER INSERT OR UPDATE: tells subscribers of the clinic''s visit queue (GraphQL subscription visitQueueChanged) that a visit was booked, changed status, was moved to another time, handed to another doctor, or given another patient or reason, with its id and status now, and, when it was handed to another doctor, the doctor it was taken from (from_doctor: their sessions are told it left their list), on the clinic''s secret channel (visit_queue_channel; any role may LISTEN, but only the owner can name the channel). Without the key (app_private.secret_key, live_queue), nothing is sent and the visit is written.';
