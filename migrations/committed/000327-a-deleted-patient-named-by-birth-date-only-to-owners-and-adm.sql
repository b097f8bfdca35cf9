--! Previous: sha1:f7ff0752101535530e8d14ef7f22a284414e73b4
--! Hash: sha1:78b1a1c443e864d5eb7b573b38d0baee902fe66c
--! Message: a-deleted-patient-named-by-birth-date-only-to-owners-and-admins

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
