--! Previous: sha1:c128a1bbf39911039505ff0d826a7eea2a99c634
--! Hash: sha1:e74b5471a47248ddc60830aee00bea6eb7325dd6
--! Message: duplicate-warning-length-checked-first

-- The duplicate warning refuses a name or phone of more than 1000 characters before it is read
--
-- The duplicate warning (findPatientDuplicates, countDeletedPatientDuplicates and a patient's matchedBy) read the names
-- and phone it was given whole, normalised (name_key, normalize_phone) before anything bounded them: names and a phone of
-- 100,000 characters each took 0.8 s of the database for one call, with no patient at all, and a request may ask many
-- with one large variable, while a name or phone padded with 2,000 spaces still found its patient. Now a name or phone of
-- more than 1000 characters as typed (a patient's names are at most 100, a phone 32) is refused, INVALID_INPUT, naming
-- the limit, before any of it is read; shorter ones are compared as before.
create or replace function app_hidden.phone_as_registered(phone text) returns app_public.e164_phone
language plpgsql stable set search_path = pg_catalog, public, pg_temp as $$
begin
  -- its raw length first: normalize_phone reads the whole of it
  if char_length(phone_as_registered.phone) > 1000 then
    raise exception 'A name or phone checked for duplicates is at most 1000 characters.' using errcode = 'CINVL';
  end if;
  if nullif(btrim(phone_as_registered.phone), '') is null then
    return null;
  end if;
  return app_public.normalize_phone(phone_as_registered.phone, app_hidden.calling_code_for(app_public.current_clinic_id()));
exception when sqlstate 'CINPH' then
  return null; -- not a phone number (yet): no saved patient has it
end;
$$;
comment on function app_hidden.phone_as_registered(phone text) is 'A phone as registration in the current clinic reads it, or null when it is blank or not (yet) a phone number (half-typed, say), which no saved patient has; one of more than 1000 characters as typed is refused, INVALID_INPUT, before it is read. For the duplicate warning: app_private.patient_duplicates and patient_matched_by.';

create or replace function app_private.patients_born_named(date_of_birth date, last_name text, first_name text)
returns setof uuid
language plpgsql stable rows 2 set search_path = pg_catalog, public, pg_temp
as $$
begin
  -- their raw length first: name_key reads the whole of each
  if char_length(patients_born_named.last_name) > 1000 or char_length(patients_born_named.first_name) > 1000 then
    raise exception 'A name or phone checked for duplicates is at most 1000 characters.' using errcode = 'CINVL';
  end if;
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
comment on function app_private.patients_born_named(date_of_birth date, last_name text, first_name text) is 'The ids of the current clinic''s patients born on `date_of_birth` with these names, as name_key compares them, or with them the other way round (the first name as the last, the last as the first), each once (deleted patients included); a name of more than 1000 characters as typed is refused, INVALID_INPUT, before it is read: probed in patient_search_dob_names_idx by the clinic, the date and both names, where no policy keeps name_key out of the probe. For patient_duplicates, and for app_hidden.patients_born_named, which gives the API''s role those it may know of.';
comment on function app_public.find_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) is 'Existing patients that look like the one being registered or edited: same phone, or same names (white space, accents and case aside) and date of birth. Call it before saving to warn the user; ask each patient''s `matchedBy` with the same arguments to say why it is listed (a sibling sharing a parent''s phone matches by phone alone). The stronger matches come first: names and birth date (with the phone too before without), then the phone alone. To owners and admins, deleted patients too (after the others, `deletedAt` set): restore one (restorePatient) rather than register them again. To others live patients alone; a receptionist is told how many deleted ones match by countDeletedPatientDuplicates, to ask an owner or admin. A name or phone of more than 1000 characters as typed is refused, INVALID_INPUT (by countDeletedPatientDuplicates and matchedBy too).';
