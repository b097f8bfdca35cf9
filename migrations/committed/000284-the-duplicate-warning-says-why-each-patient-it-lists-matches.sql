--! Previous: sha1:7c8e82d075ffea019a83d6401758405cfbc91fe9
--! Hash: sha1:f8c799d5e407051d7a6e683329ea31b4050d6f55
--! Message: The duplicate warning says why each patient it lists matches

-- The duplicate warning says why each patient it lists matches
--
-- findPatientDuplicates and possibleDuplicates listed patients matching by phone or by names and birth date without
-- saying which. Children registered with a parent's phone all match each other by phone, so receptionists learned to
-- pass over the warning and missed the true duplicate, born the same day with the same names. Each listed patient now
-- says what it matches by (`matchedBy`, given the same phone, names and birth date as the warning: `phone`,
-- `name_and_birth_date`, or both), and the warning lists the stronger matches first: names and birth date (with the
-- phone too before without it), then the phone alone, live patients before deleted ones as before. The phone is read
-- once, by one helper, for the list and for what each patient matches by.
create or replace function app_hidden.phone_as_registered(phone text) returns app_public.e164_phone
language plpgsql stable set search_path = pg_catalog, public, pg_temp as $$
begin
  if nullif(btrim(phone_as_registered.phone), '') is null then
    return null;
  end if;
  return app_public.normalize_phone(phone_as_registered.phone, app_hidden.calling_code_for(app_public.current_clinic_id()));
exception when sqlstate 'CINPH' then
  return null; -- not a phone number (yet): no saved patient has it
end;
$$;
comment on function app_hidden.phone_as_registered(phone text) is 'A phone as registration in the current clinic reads it, or null when it is blank or not (yet) a phone number (half-typed, say), which no saved patient has. For the duplicate warning: app_private.patient_duplicates and patient_matched_by.';

do $$
begin
  if to_regtype('app_public.duplicate_match') is null then
    create type app_public.duplicate_match as enum ('name_and_birth_date', 'phone');
  end if;
end;
$$;
comment on type app_public.duplicate_match is 'Why the duplicate warning lists a patient: `name_and_birth_date` (the same names, as the warning compares them, either way round, and the same date of birth: most likely the same person) or `phone` (the same phone: a relative sharing it, such as a parent''s for their children, as often as the same person).';

create or replace function app_public.patient_matched_by(patient app_public.patient, phone text default null, first_name text default null,
                                                         last_name text default null, date_of_birth date default null)
returns app_public.duplicate_match[]
language plpgsql stable set search_path = pg_catalog, public, pg_temp as $$
begin
  return array_remove(array[
    case when patient.id in (select app_hidden.patients_born_named(patient_matched_by.date_of_birth, patient_matched_by.last_name,
                                                                   patient_matched_by.first_name))
      then 'name_and_birth_date' end,
    case when patient.phone = app_hidden.phone_as_registered(patient_matched_by.phone) then 'phone' end
  ]::app_public.duplicate_match[], null);
end;
$$;
comment on function app_public.patient_matched_by(patient app_public.patient, phone text, first_name text, last_name text, date_of_birth date) is '@behavior -filterBy -orderBy
What this patient matches the one described by, as findPatientDuplicates compares them: `name_and_birth_date`, `phone`, both, or none. Give it what was given to findPatientDuplicates (or, on possibleDuplicates, the patient''s own phone, names and birth date), so that the warning says why it lists each patient: a sibling registered with a parent''s phone matches by phone alone, the same person by names and birth date.';

create or replace function app_private.patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid)
returns setof app_public.patient
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp set clinicops.include_deleted = 'on' as $$
declare
  v_phone app_public.e164_phone := app_hidden.phone_as_registered(patient_duplicates.phone);
  v_named uuid[] := array(select app_hidden.patients_born_named(patient_duplicates.date_of_birth, patient_duplicates.last_name,
                                                                patient_duplicates.first_name));
begin
  return query
  select p.* from app_public.patient p
  where p.clinic_id = app_public.current_clinic_id()
    and p.id is distinct from patient_duplicates.except_patient_id
    and (p.phone = v_phone or p.id = any (v_named))
  order by p.deleted_at nulls first, p.id = any (v_named) desc, coalesce(p.phone = v_phone, false) desc, p.created_at, p.id;
end;
$$;
comment on function app_private.patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) is 'The current clinic''s patients that look like the one described, deleted ones included: same phone (read as registration reads it, app_hidden.phone_as_registered; a phone that is not a phone number, such as one half-typed, matches no one), or same names (as app_hidden.name_key compares them, either way round) and date of birth. Live ones first, then deleted ones; in each, those matching by names and birth date (with the phone too first), then by phone alone; then by when they were registered, and their id. For find_patient_duplicates and count_deleted_patient_duplicates, which say what of them the session may know.';

comment on function app_public.find_patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid) is 'Existing patients that look like the one being registered or edited: same phone, or same names (white space, accents and case aside) and date of birth. Call it before saving to warn the user; ask each patient''s `matchedBy` with the same arguments to say why it is listed (a sibling sharing a parent''s phone matches by phone alone). The stronger matches come first: names and birth date (with the phone too before without), then the phone alone. To owners and admins, deleted patients too (after the others, `deletedAt` set): restore one (restorePatient) rather than register them again. To others live patients alone; a receptionist is told how many deleted ones match by countDeletedPatientDuplicates, to ask an owner or admin.';

comment on function app_public.patient_possible_duplicates(patient app_public.patient) is 'Other patients of the clinic with the same phone, or the same names and date of birth, the stronger matches first (findPatientDuplicates: deleted ones too, to owners and admins); each one''s `matchedBy`, given this patient''s phone, names and birth date, says why.';
