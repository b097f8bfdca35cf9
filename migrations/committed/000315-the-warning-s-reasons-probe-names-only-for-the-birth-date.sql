--! Previous: sha1:ad75a4c3fed00e8060481fc61f1517cd0b9a5ad5
--! Hash: sha1:76548b37f451552b201bb12dc0dc7ab404426c1d
--! Message: the-warning-s-reasons-probe-names-only-for-the-birth-date

-- The duplicate warning's reasons probe the names only for the patients born on the date given
--
-- Patient.matchedBy, asked for each patient the warning lists, probed the names index for every one of them (a probe of
-- two index scans and four name keys, about 0.15 ms) and read the phone given for every one, though only a patient born
-- on the date given can match by names and birth date, and only one with a phone by phone: a warning listing 50
-- patients who share a family's phone made 50 probes for the one child born that day, and its reasons cost ten times
-- the warning itself. Now the names are probed only for a patient born on the date given, and the phone given read only
-- for a patient with a phone; every answer is the same.
create or replace function app_public.patient_matched_by(patient app_public.patient, phone text default null, first_name text default null,
                                                         last_name text default null, date_of_birth date default null)
returns app_public.duplicate_match[]
language plpgsql stable set search_path = pg_catalog, public, pg_temp as $$
begin
  -- the names are probed only for a patient born on the date given, and the phone given read only for a patient with a
  -- phone: no other matches them (a warning's siblings, listed by their phone, are not probed by names)
  return array_remove(array[
    case when patient.date_of_birth = patient_matched_by.date_of_birth then
      case when patient.id in (select app_hidden.patients_born_named(patient_matched_by.date_of_birth, patient_matched_by.last_name,
                                                                     patient_matched_by.first_name))
        then 'name_and_birth_date' end end,
    case when patient.phone is not null then
      case when patient.phone = app_hidden.phone_as_registered(patient_matched_by.phone) then 'phone' end end
  ]::app_public.duplicate_match[], null);
end;
$$;
comment on function app_public.patient_matched_by(patient app_public.patient, phone text, first_name text, last_name text, date_of_birth date) is '@behavior -filterBy -orderBy
What this patient matches the one described by, as findPatientDuplicates compares them: `name_and_birth_date`, `phone`, both, or none. Give it what was given to findPatientDuplicates (or, on possibleDuplicates, the patient''s own phone, names and birth date), so that the warning says why it lists each patient: a sibling registered with a parent''s phone matches by phone alone, the same person by names and birth date.';
