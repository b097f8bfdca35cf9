--! Previous: sha1:91133276e851b6b3563d0e8910bb5f391f89b59b
--! Hash: sha1:d96a5f6aa266da7e70b4d119602ac3f1b1e4661f
--! Message: The duplicate warning leaves a phone that is not (yet) a number out of its phone match, the names' match standing

-- The duplicate warning leaves a phone that is not (yet) a number out of its phone match, the names' match standing
--
-- findPatientDuplicates and countDeletedPatientDuplicates, asked while the front desk types (as the warning is meant
-- to be, before saving), answered INVALID_PHONE for a phone not whole yet (0765 4), which no saved patient can have,
-- and so hid the match of the names and birth date typed already: no warning at all until the phone was whole, or
-- ever, when the person's phone was left half-typed. Such a phone now matches no one, and the names still do; a whole
-- phone matches as registration reads it, and registering (createPatient, updatePatient) still refuses a phone that is
-- not one with INVALID_PHONE. A patient whose phone was saved under older rules and is none today (000086 counted
-- them) had possibleDuplicates, and so the whole patient asked for with it, fail with INVALID_PHONE: it is flagged by
-- its names now.
create or replace function app_private.patient_duplicates(phone text, first_name text, last_name text, date_of_birth date, except_patient_id uuid)
returns setof app_public.patient
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp set clinicops.include_deleted = 'on' as $$
declare
  v_phone app_public.e164_phone;
begin
  if nullif(btrim(patient_duplicates.phone), '') is not null then
    begin
      v_phone := app_public.normalize_phone(patient_duplicates.phone, app_hidden.calling_code_for(app_public.current_clinic_id()));
    exception when sqlstate 'CINPH' then
      v_phone := null; -- not a phone number (yet): no saved patient has it
    end;
  end if;
  return query
  select p.* from app_public.patient p
  where p.clinic_id = app_public.current_clinic_id()
    and p.id is distinct from patient_duplicates.except_patient_id
    and (
      p.phone = v_phone
      or p.id = any (array(select app_hidden.patients_born_named(patient_duplicates.date_of_birth, patient_duplicates.last_name,
                                                                  patient_duplicates.first_name)))
    )
  order by p.deleted_at nulls first, p.created_at;
end;
$$;
comment on function app_private.patient_duplicates(text, text, text, date, uuid) is
  'The current clinic''s patients that look like the one described, deleted ones included (live ones first, then by when they were registered): same phone (read as registration reads it; a phone that is not a phone number, such as one half-typed, matches no one), or same names (as app_hidden.name_key compares them) and date of birth. For find_patient_duplicates and count_deleted_patient_duplicates, which say what of them the session may know.';
revoke all on function app_private.patient_duplicates(text, text, text, date, uuid) from public;
