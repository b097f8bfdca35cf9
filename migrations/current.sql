-- A download is audited as cut short only by the session that began it, once
--
-- app_hidden.export_cut_short wrote whatever it was given into the session's clinic's audit chain: any session of a
-- clinic, running SQL as the API's role (a cashier's, a doctor's), could call it with a made-up export id, kind, file
-- name and download id, as often as it liked, and the clinic's audit log, meant to be what happened, said that
-- downloads nobody began had been cut short. It now takes the export and the download id alone, and writes its entry
-- only when the export entry of that download (export_for_download's, its detail naming the download) is in the
-- clinic's chain, by the session's person, and that download has no export_cut_short entry yet; the kind and file it
-- records are that entry's. Anything else writes nothing, as a call without a session in a clinic did. GET
-- /exports/:id calls it as before, with the download id export_for_download gave it.
drop function if exists app_hidden.export_cut_short(uuid, app_public.export_kind, text, uuid);
create or replace function app_hidden.export_cut_short(export_id uuid, download_id uuid) returns void
language plpgsql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
declare
  -- the session of the request, ended or not (the export itself is out of its sight once it has ended)
  v_session app_private.session;
  -- the detail of the download's export entry: its kind, file and download id
  v_begun jsonb;
begin
  select s.* into v_session from app_private.session s where s.id = app_public.current_session_id();
  if v_session.clinic_id is null then
    return; -- no session, or none in a clinic: no download was begun (export_for_download found nothing)
  end if;
  select a.detail into v_begun from app_public.audit_log a
  where coalesce(a.clinic_id, '00000000-0000-0000-0000-000000000000') = v_session.clinic_id
    and a.table_name = 'report_export' and a.record_id = export_cut_short.export_id and a.action = 'export'
    and a.actor_user_id = v_session.user_id and a.detail->>'download' = export_cut_short.download_id::text;
  if v_begun is null or exists (
    select from app_public.audit_log a
    where coalesce(a.clinic_id, '00000000-0000-0000-0000-000000000000') = v_session.clinic_id
      and a.table_name = 'report_export' and a.record_id = export_cut_short.export_id and a.action = 'export_cut_short'
      and a.detail->>'download' = export_cut_short.download_id::text
  ) then
    return; -- no such download of this person's, or it was cut short already: nothing happened to audit
  end if;
  perform app_private.write_audit(v_session.clinic_id, 'export_cut_short', 'report_export', export_cut_short.export_id, null, null,
    jsonb_build_object('kind', v_begun->'kind', 'file', v_begun->'file', 'download', v_begun->'download'), v_session.user_id);
end;
$$;
revoke all on function app_hidden.export_cut_short(uuid, uuid) from public;
grant execute on function app_hidden.export_cut_short(uuid, uuid) to :DATABASE_VISITOR;
comment on function app_hidden.export_cut_short(uuid, uuid) is 'Audits that a download of the export, begun with its export entry (export_for_download''s, whose detail gives the download id), ended before its whole file was sent: its client gone, or its file unreadable. Its detail gives the kind, file and download id of that export entry, so that each download cut short is paired with its beginning when one person downloads the export more than once at a time. Written only when that export entry is in the clinic''s chain by the session''s person and the download has no export_cut_short entry yet: anything else (a made-up or another person''s download, a second call) writes nothing, so a session cannot write entries of downloads nobody began. Written for the request''s session even when it has ended meanwhile (a logout, a password change, a removal): the download outlived it. Used by GET /exports/:id after a download export_for_download began, and by nothing else.';

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

-- A deleted patient is named by their name and birth date only to those who may see them
--
-- app_hidden.patients_born_named, which the duplicate warning probes names with, gave the ids of the clinic's patients
-- born on a date with given names, deleted ones included, to whoever called it: any session of a clinic running SQL as
-- the API's role (a doctor's, a cashier's) learned that a deleted patient of that name and birth date existed, and their
-- id, though only owners and admins list deleted patients (deletedPatients, findPatientDuplicates) and the front desk
-- only counts them (countDeletedPatientDuplicates). The probe itself is now app_private.patients_born_named, which only
-- the duplicate warning's own function (app_private.patient_duplicates) calls; app_hidden.patients_born_named, which
-- matchedBy calls as the API's role, gives of its ids those of live patients, and of deleted ones to owners and admins
-- alone, as findPatientDuplicates does: by the session's role, whatever settings the session turned on. The warning, its
-- count and its reasons are what they were.
create or replace function app_private.patients_born_named(date_of_birth date, last_name text, first_name text)
returns setof uuid
language plpgsql stable rows 2 set search_path = pg_catalog, public, pg_temp
as $$
begin
  -- as typed, and the other way round: two probes of patient_search_dob_names_idx
  return query select s.patient_id from app_private.patient_search s
    where s.clinic_id = app_public.current_clinic_id() and s.date_of_birth = patients_born_named.date_of_birth
      and app_hidden.name_key(s.last_name) = app_hidden.name_key(patients_born_named.last_name)
      and app_hidden.name_key(s.first_name) = app_hidden.name_key(patients_born_named.first_name)
    union
    select s.patient_id from app_private.patient_search s
    where s.clinic_id = app_public.current_clinic_id() and s.date_of_birth = patients_born_named.date_of_birth
      and app_hidden.name_key(s.last_name) = app_hidden.name_key(patients_born_named.first_name)
      and app_hidden.name_key(s.first_name) = app_hidden.name_key(patients_born_named.last_name);
end;
$$;
revoke all on function app_private.patients_born_named(date, text, text) from public;
comment on function app_private.patients_born_named(date_of_birth date, last_name text, first_name text) is 'The ids of the current clinic''s patients born on `date_of_birth` with these names, as name_key compares them, or with them the other way round (the first name as the last, the last as the first), each once (deleted patients included): probed in patient_search_dob_names_idx by the clinic, the date and both names, where no policy keeps name_key out of the probe. For patient_duplicates, and for app_hidden.patients_born_named, which gives the API''s role those it may know of.';

create or replace function app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text)
returns setof uuid
language plpgsql stable security definer rows 2 set search_path = pg_catalog, public, pg_temp set clinicops.include_deleted = 'on'
as $$
begin
  -- a deleted patient only to owners and admins, by the session's role (as find_patient_duplicates), not by a setting
  return query select n.id from app_private.patients_born_named(patients_born_named.date_of_birth, patients_born_named.last_name,
                                                                patients_born_named.first_name) n(id)
    where exists (select from app_public.patient p
                  where p.clinic_id = app_public.current_clinic_id() and p.id = n.id
                    and (p.deleted_at is null or (select app_hidden.current_role_in('owner', 'admin'))));
end;
$$;
comment on function app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text) is 'The ids of the current clinic''s patients born on `date_of_birth` with these names, either way round (app_private.patients_born_named''s probe), that the session may know of: live ones, and deleted ones for owners and admins alone (as findPatientDuplicates lists them), by the session''s role. For patient_matched_by (matchedBy), which the API''s role runs.';

create or replace function app_private.patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid)
returns setof app_public.patient
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp set clinicops.include_deleted = 'on'
as $$
declare
  v_phone app_public.e164_phone := app_hidden.phone_as_registered(patient_duplicates.phone);
  v_named uuid[] := array(select app_private.patients_born_named(patient_duplicates.date_of_birth, patient_duplicates.last_name,
                                                                 patient_duplicates.first_name));
begin
  return query
  select p.* from app_public.patient p
  where p.clinic_id = app_public.current_clinic_id()
    and p.id is distinct from patient_duplicates.except_patient_id
    and (p.phone = v_phone or p.id = any (v_named))
  order by p.deleted_at is not null, p.id = any (v_named) desc, coalesce(p.phone = v_phone, false) desc, p.created_at, p.id;
end;
$$;
comment on function app_private.patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) is 'The current clinic''s patients that look like the one described, deleted ones included: same phone (read as registration reads it, app_hidden.phone_as_registered; a phone that is not a phone number, such as one half-typed, matches no one), or same names (as app_hidden.name_key compares them, either way round: app_private.patients_born_named) and date of birth. Live ones first, then deleted ones (whenever they were deleted); in each, those matching by names and birth date (with the phone too first), then by phone alone; then by when they were registered, and their id. For find_patient_duplicates and count_deleted_patient_duplicates, which say what of them the session may know.';
