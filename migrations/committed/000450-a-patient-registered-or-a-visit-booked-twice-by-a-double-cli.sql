--! Previous: sha1:c63ba30a2040886ffe98ab5a87b0320e9e91d5f9
--! Hash: sha1:832e8857204a4b71376eba46bbecc225484a0812
--! Message: A patient registered or a visit booked twice by a double click is made once

-- A patient registered, or a visit booked, twice by a double click is made once
--
-- createPatient and createVisit took no idempotency key: a double click on "register" or "book visit", or a browser
-- retrying the POST after a lost answer, registered the patient twice (PAT-000007 and PAT-000008, the second flagged
-- a duplicate of the first, a code spent on it) or booked the visit twice (or, at the same minute with the same
-- doctor, answered the retry CONFLICT "already booked", as if nothing had been booked). Every other request that
-- makes something takes a key: now these two do, as a visit's service does (000426). The same key again, sent at the
-- same moment too (the second waits for the first's key, take_idempotency_key_turn), answers the patient or visit made
-- first, spending no code; the same key with other content is CONFLICT naming what differs, the retry read as the
-- row's triggers keep it (names as meant, the phone completed with the clinic's code, texts as typed, a reason
-- trimmed) and the first compared as it is now; a patient deleted since keeps the key (CONFLICT, nothing registered:
-- restore them); a visit cancelled since is answered as it is. Keys are 1 to 200 characters, not white space alone,
-- the clinic's own (a unique key per clinic, read by patientByClinicIdAndIdempotencyKey and
-- visitByClinicIdAndIdempotencyKey). A key is looked up only for whoever may register patients or book visits (the
-- policies insert_front_desk): anyone else is refused by the insert, key or not, as without one. The mutations are now
-- the functions create_patient and create_visit, with the input and payload of the tables' insert mutations they
-- replace (a sex sent as null is unknown, as one left out); definers, to reach the key's turn in app_private, they
-- write only the columns the API role may insert, and the tables force row-level security, so their policies refuse
-- whoever they refused.
alter table app_public.patient add column if not exists idempotency_key text;
alter table app_public.patient drop constraint if exists patient_idempotency_key_check;
alter table app_public.patient add constraint patient_idempotency_key_check check (char_length(idempotency_key) between 1 and 200);
alter table app_public.patient drop constraint if exists patient_clinic_id_idempotency_key_key;
alter table app_public.patient add constraint patient_clinic_id_idempotency_key_key unique (clinic_id, idempotency_key);
grant insert (idempotency_key) on app_public.patient to :DATABASE_VISITOR;
comment on column app_public.patient.idempotency_key is
  'A key chosen by the client per patient it means to register: the same key again returns the same patient; the key of a patient deleted since stays theirs (CONFLICT).';
comment on constraint patient_clinic_id_idempotency_key_key on app_public.patient is E'@behavior -update -delete
An idempotency key names one patient of the clinic, deleted or not (create_patient answers it again; another clinic''s key is its own).';
comment on table app_public.patient is E'@behavior -delete -resource:insert
A patient of the clinic. Registered with createPatient (create_patient). Delete with deletePatient (soft delete: hidden, kept), bring back with restorePatient.';

alter table app_public.visit add column if not exists idempotency_key text;
alter table app_public.visit drop constraint if exists visit_idempotency_key_check;
alter table app_public.visit add constraint visit_idempotency_key_check check (char_length(idempotency_key) between 1 and 200);
alter table app_public.visit drop constraint if exists visit_clinic_id_idempotency_key_key;
alter table app_public.visit add constraint visit_clinic_id_idempotency_key_key unique (clinic_id, idempotency_key);
grant insert (idempotency_key) on app_public.visit to :DATABASE_VISITOR;
comment on column app_public.visit.idempotency_key is
  'A key chosen by the client per visit it means to book: the same key again returns the same visit, whatever its status since.';
comment on constraint visit_clinic_id_idempotency_key_key on app_public.visit is E'@behavior -update -delete
An idempotency key names one visit of the clinic (create_visit answers it again; another clinic''s key is its own).';
comment on table app_public.visit is E'@behavior -delete -resource:insert
A patient''s visit to a doctor. Booked with createVisit (create_visit). Change `status` to move it along its lifecycle; cancel it rather than deleting it.';

comment on function app_private.take_idempotency_key_turn(kind text, what text, clinic_id uuid, key text) is 'For a row made with an idempotency key (kind: its table, invoice_line, visit_service, patient or visit; what: its name in a message): refuses a key with nothing visible in it (check_idempotency_key), then waits until the transaction ends for the key''s other requests in flight in the clinic, so that the second of two sent at once finds the first''s row; none at all: nothing.';
comment on function app_private.check_idempotency_key(key text, what text) is 'Refuses an idempotency key with nothing visible in it (INVALID_INPUT, naming `what`: payment, refund, invoice, invoice line, service of a visit, patient, visit, close of a day, reopening of a day, export), before the key is looked up; none at all is none.';

create or replace function app_private.check_key_used_alike(what text, differs text[]) returns void
  language plpgsql immutable
  set search_path = pg_catalog, public, pg_temp
as $$
declare
  v_differs text[] := array_remove(check_key_used_alike.differs, null);
  v_n int := cardinality(v_differs);
begin
  if v_n > 0 then
    raise exception 'This idempotency key was already used for a different % (another %): send a new key for another %.', what,
      case v_n when 1 then v_differs[1] else array_to_string(v_differs[1:v_n - 1], ', ') || ' and ' || v_differs[v_n] end, what
      using errcode = 'CCONF';
  end if;
end;
$$;
comment on function app_private.check_key_used_alike(what text, differs text[]) is 'For a request sent again with the idempotency key of a row made before (what: the row''s name in a message, patient or visit; differs: the name of each field the request gives otherwise than the row has it, null for each alike): CONFLICT naming those fields, if any.';
revoke all on function app_private.check_key_used_alike(text, text[]) from public;

create or replace function app_private.deleted_patient_has_key(clinic_id uuid, key text) returns boolean
  language sql stable security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'on'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
  select exists (select 1 from app_public.patient p
                 where p.clinic_id = deleted_patient_has_key.clinic_id and p.idempotency_key = deleted_patient_has_key.key
                   and p.deleted_at is not null);
$$;
comment on function app_private.deleted_patient_has_key(clinic_id uuid, key text) is 'Whether a deleted patient of the clinic (one of the session''s: row-level security, deleted rows included) was registered with the idempotency key `key`: create_patient then registers no one again.';
revoke all on function app_private.deleted_patient_has_key(uuid, text) from public;

create or replace function app_public.create_patient(patient app_public.patient) returns app_public.patient
  language plpgsql strict volatile security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_new app_public.patient := create_patient.patient;
  v_first app_public.patient;
  v_made app_public.patient;
begin
  perform app_private.take_idempotency_key_turn('patient', 'patient', v_clinic, v_new.idempotency_key);
  -- answered only to whoever may register patients (the policy insert_front_desk's rule): others are refused by the
  -- insert, key or not
  if v_new.idempotency_key is not null and app_hidden.current_role_in('owner', 'admin', 'receptionist') then
    select * into v_first from app_public.patient p where p.clinic_id = v_clinic and p.idempotency_key = v_new.idempotency_key;
    if v_first.id is not null then
      -- compared with the patient as they are now, on the request as tg_patient__normalize and _150_texts_as_typed keep it
      perform app_private.check_key_used_alike('patient', array[
        case when v_first.first_name is distinct from app_hidden.name_as_meant(v_new.first_name) then 'first name' end,
        case when v_first.last_name is distinct from app_hidden.name_as_meant(v_new.last_name) then 'last name' end,
        case when v_first.phone is distinct from
               (case when nullif(btrim(v_new.phone), '') is null then null
                     else app_public.normalize_phone(v_new.phone, app_hidden.calling_code_for(v_clinic)) end) then 'phone' end,
        case when v_first.date_of_birth is distinct from v_new.date_of_birth then 'date of birth' end,
        case when v_first.sex is distinct from coalesce(v_new.sex, 'unknown') then 'sex' end,
        case when v_first.address is distinct from app_hidden.text_as_typed(v_new.address) then 'address' end,
        case when v_first.notes is distinct from app_hidden.text_as_typed(v_new.notes) then 'notes' end]);
      return v_first; -- a retry: the patient registered once
    end if;
    if app_private.deleted_patient_has_key(v_clinic, v_new.idempotency_key) then
      raise exception 'The patient registered with this idempotency key was deleted since: an owner or admin restores them (restorePatient) if they are still meant.'
        using errcode = 'CCONF';
    end if;
  end if;
  insert into app_public.patient (first_name, last_name, phone, date_of_birth, sex, address, notes, idempotency_key)
  values (v_new.first_name, v_new.last_name, v_new.phone, v_new.date_of_birth, coalesce(v_new.sex, 'unknown'), v_new.address,
          v_new.notes, v_new.idempotency_key)
  returning * into v_made;
  return v_made;
end;
$$;
comment on function app_public.create_patient(patient app_public.patient) is E'@resultFieldName patient
Registers a patient of the session''s clinic (a code PAT-… given by the database; sex unknown unless given). With an idempotency key, a retry (a double click, two sent at once, an answer lost) returns the patient registered first instead of registering them twice, spending no code: it is compared on what it gives, read as registration keeps it (names as meant, the phone completed with the clinic''s calling code), with the patient as they are now (another name, phone, date of birth, sex, address or notes is CONFLICT naming what differs); the key of a patient deleted since is CONFLICT, not a new patient; a key of white space alone is INVALID_INPUT. Owners, admins and receptionists; others are refused, key or not.';
revoke all on function app_public.create_patient(app_public.patient) from public;
grant execute on function app_public.create_patient(app_public.patient) to :DATABASE_VISITOR;

create or replace function app_public.create_visit(visit app_public.visit) returns app_public.visit
  language plpgsql strict volatile security definer
  set search_path = pg_catalog, public, pg_temp
  set clinicops.include_deleted = 'off'
  set clinicops.every_clinic = 'off'
  set clinicops.reinvitation = 'off'
as $$
declare
  v_clinic uuid := app_public.current_clinic_id();
  v_new app_public.visit := create_visit.visit;
  v_first app_public.visit;
  v_made app_public.visit;
begin
  perform app_private.take_idempotency_key_turn('visit', 'visit', v_clinic, v_new.idempotency_key);
  -- answered only to whoever may book visits (the policy insert_front_desk's rule), who sees every visit of the clinic:
  -- others are refused by the insert, key or not
  if v_new.idempotency_key is not null and app_hidden.current_role_in('owner', 'admin', 'receptionist') then
    select * into v_first from app_public.visit v where v.clinic_id = v_clinic and v.idempotency_key = v_new.idempotency_key;
    if v_first.id is not null then
      -- compared with the visit as it is now (a visit moved since is another time), the reason as
      -- tg_visit__reasons_trimmed keeps it; whatever its status since
      perform app_private.check_key_used_alike('visit', array[
        case when v_first.patient_id is distinct from v_new.patient_id then 'patient' end,
        case when v_first.doctor_id is distinct from v_new.doctor_id then 'doctor' end,
        case when v_first.scheduled_at is distinct from v_new.scheduled_at then 'time' end,
        case when v_first.reason is distinct from app_hidden.reason_or_null(v_new.reason) then 'reason' end]);
      return v_first; -- a retry: the visit booked once
    end if;
  end if;
  insert into app_public.visit (patient_id, doctor_id, scheduled_at, reason, idempotency_key)
  values (v_new.patient_id, v_new.doctor_id, v_new.scheduled_at, v_new.reason, v_new.idempotency_key)
  returning * into v_made;
  return v_made;
end;
$$;
comment on function app_public.create_visit(visit app_public.visit) is E'@resultFieldName visit
Books a visit of a patient with a doctor of the session''s clinic (a code VIS-… given by the database), scheduled. With an idempotency key, a retry (a double click, two sent at once, an answer lost) returns the visit booked first, whatever its status since, instead of booking it twice, spending no code: it is compared on what it gives with the visit as it is now (another patient, doctor, time or reason is CONFLICT naming what differs); a key of white space alone is INVALID_INPUT. Owners, admins and receptionists; others are refused, key or not.';
revoke all on function app_public.create_visit(app_public.visit) from public;
grant execute on function app_public.create_visit(app_public.visit) to :DATABASE_VISITOR;
