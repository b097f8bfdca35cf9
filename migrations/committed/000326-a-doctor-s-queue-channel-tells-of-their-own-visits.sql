--! Previous: sha1:3f36cb4d229d57002bfd1017f0679f7a31250392
--! Hash: sha1:f7ff0752101535530e8d14ef7f22a284414e73b4
--! Message: a-doctor-s-queue-channel-tells-of-their-own-visits

-- A doctor's live queue channel tells of their own visits only
--
-- Every notification of a clinic's live queue went out on one channel, the clinic's, and app_hidden.visit_queue_channel
-- gave its name to any session of the clinic: a doctor, running SQL as the API's role, could LISTEN on it and hear the
-- id and status of every visit of the clinic, other doctors' too, as each was booked, moved or taken through its steps,
-- though a doctor may read only the visits assigned to them (the API passed those over, but the database told them).
-- Now each doctor of a clinic has a channel of their own (app_private.doctor_visit_queue_channel, keyed like the
-- clinic's), and a visit's notification goes to the clinic's channel and to its doctor's (and, when it is handed over,
-- to the channel of the doctor it was taken from, who is told it left their list): visit_queue_channel names the
-- clinic's channel only to those who read every visit of the clinic (owners, admins, receptionists, cashiers, as the
-- visits' select policy says), and to a doctor their own. The subscription visitQueueChanged hears what it heard.
create or replace function app_private.doctor_visit_queue_channel(clinic_id uuid, doctor_id uuid) returns text
language sql stable set search_path = pg_catalog, public, pg_temp
as $$
  select 'clinicops:visits:' || left(app_private.secret_hash('live_queue', uuid_send(doctor_visit_queue_channel.clinic_id) || uuid_send(doctor_visit_queue_channel.doctor_id)), 40);
$$;
revoke all on function app_private.doctor_visit_queue_channel(uuid, uuid) from public;
comment on function app_private.doctor_visit_queue_channel(uuid, uuid) is 'The LISTEN/NOTIFY channel of one doctor''s live visit queue (doctor_id: their membership): 160 bits of a hash of the live_queue secret key, the clinic''s id and the doctor''s, which nobody can name without the key; null without the key. It hears the notifications of the doctor''s visits alone (notify_visit_queue), so a doctor listening on it hears nothing of another doctor''s visits.';

create or replace function app_private.notify_visit_queue(clinic_id uuid, doctor_ids uuid[], payload text) returns void
language plpgsql volatile set search_path = pg_catalog, public, pg_temp
as $$
begin
  perform pg_notify(c.channel, notify_visit_queue.payload)
  from (select app_private.visit_queue_channel(notify_visit_queue.clinic_id) as channel
        union
        select app_private.doctor_visit_queue_channel(notify_visit_queue.clinic_id, d.id) from unnest(notify_visit_queue.doctor_ids) d(id)) c
  where c.channel is not null; -- without the key no one listens: nothing is sent
end;
$$;
revoke all on function app_private.notify_visit_queue(uuid, uuid[], text) from public;
comment on function app_private.notify_visit_queue(uuid, uuid[], text) is 'Tells the clinic''s live visit queue `payload` (a visit''s id and status, as tg_visit__notify and tg_patient__notify_visits write it): on the clinic''s channel (visit_queue_channel), which owners, admins, receptionists and cashiers listen to, and on the channel of each of `doctor_ids` (doctor_visit_queue_channel: the visit''s doctor, and the one it was taken from), which that doctor listens to. Without the key (app_private.secret_key, live_queue), nothing is sent.';

create or replace function app_private.tg_visit__notify() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_payload jsonb;
  v_doctors uuid[] := array[new.doctor_id];
begin
  if tg_op = 'UPDATE' and (new.status, new.scheduled_at, new.doctor_id, new.patient_id, new.reason)
                          is not distinct from (old.status, old.scheduled_at, old.doctor_id, old.patient_id, old.reason) then
    return null;
  end if;
  v_payload := jsonb_build_object('id', new.id, 'status', new.status);
  if tg_op = 'UPDATE' and new.doctor_id is distinct from old.doctor_id then
    v_payload := v_payload || jsonb_build_object('from_doctor', old.doctor_id);
    v_doctors := v_doctors || old.doctor_id;
  end if;
  perform app_private.notify_visit_queue(new.clinic_id, v_doctors, v_payload::text);
  return null;
end;
$$;
comment on function app_private.tg_visit__notify() is 'AFTER INSERT OR UPDATE: tells subscribers of the clinic''s visit queue (GraphQL subscription visitQueueChanged) that a visit was booked, changed status, was moved to another time, handed to another doctor, or given another patient or reason, with its id and status now, and, when it was handed to another doctor, the doctor it was taken from (from_doctor: their sessions are told it left their list), on the clinic''s secret channel and on its doctor''s (and the doctor it was taken from''s) secret channel (notify_visit_queue; any role may LISTEN, but only the owner can name the channels). Without the key (app_private.secret_key, live_queue), nothing is sent and the visit is written.';

create or replace function app_private.tg_patient__notify_visits() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  perform app_private.notify_visit_queue(new.clinic_id, array[v.doctor_id], json_build_object('id', v.id, 'status', v.status)::text)
  from app_public.visit v
  where v.clinic_id = new.clinic_id and v.patient_id = new.id and v.status in ('scheduled', 'checked_in', 'in_progress');
  return null;
end;
$$;
comment on function app_private.tg_patient__notify_visits() is 'AFTER UPDATE OF first_name, last_name on patients, when either changed: tells subscribers of the clinic''s visit queue (visitQueueChanged) of each of the patient''s visits still under way (scheduled, checked in, in progress), with its id and status now, on the clinic''s secret channel and the visit''s doctor''s (notify_visit_queue), so that the queues show the name as it is now. Without the key, nothing is sent.';

create or replace function app_hidden.visit_queue_channel() returns text
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_clinic_id uuid := app_public.current_clinic_id();
  v_channel text;
begin
  if v_clinic_id is null then
    -- a live session of no clinic is told to pick one (FORBIDDEN), as everywhere a clinic is needed;
    -- without a live session, null: the API tells the client to log in (UNAUTHENTICATED)
    if app_public.current_user_id() is not null then
      raise exception 'Your session is in no clinic: log in to a clinic (or switch to one) to do this.' using errcode = 'CFORB';
    end if;
    return null;
  end if;
  -- the clinic's channel to those who read every visit of the clinic (the visits' select policy), a doctor's own to a doctor
  if app_hidden.current_role_in('owner', 'admin', 'receptionist', 'cashier') then
    v_channel := app_private.visit_queue_channel(v_clinic_id);
  else
    v_channel := app_private.doctor_visit_queue_channel(v_clinic_id, app_public.current_membership_id());
  end if;
  if v_channel is null then
    raise exception 'The live queue has no key: app_private.secret_key has no live_queue row (insert into app_private.secret_key (purpose) values (''live_queue'')).';
  end if;
  return v_channel;
end;
$$;
comment on function app_hidden.visit_queue_channel() is 'The live visit queue''s channel the live session may listen to, what the API listens to for the subscription visitQueueChanged: its clinic''s (every visit''s notifications) for owners, admins, receptionists and cashiers, who read every visit; a doctor''s own (doctor_visit_queue_channel: their visits'' notifications alone) for a doctor. Null without a live session; a live session of no clinic is FORBIDDEN. Without the key (app_private.secret_key, live_queue) it fails, naming the key.';
