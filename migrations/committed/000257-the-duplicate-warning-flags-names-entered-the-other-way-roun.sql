--! Previous: sha1:8917772d8942fbc6cf88ff8406e41baaba96ea87
--! Hash: sha1:91133276e851b6b3563d0e8910bb5f391f89b59b
--! Message: The duplicate warning flags names entered the other way round

-- The duplicate warning flags names entered the other way round
--
-- A patient registered as Neema Kilewo and registered again with the surname typed as the first name (Kilewo Neema,
-- as many forms and people give the surname first), born the same day, was not flagged: the warning compared the
-- first name with the first name only, and the front desk made a second record. Now the names are also compared
-- crossed (the first with the other's last, the last with the other's first), probed in the same index.
create or replace function app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text)
  returns setof uuid
  language plpgsql stable security definer rows 2
  set search_path to pg_catalog, public, pg_temp
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
comment on function app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text) is 'The ids of the current clinic''s patients born on `date_of_birth` with these names, as name_key compares them, or with them the other way round (the first name as the last, the last as the first), each once (deleted patients included): probed in patient_search_dob_names_idx by the clinic, the date and both names, where no policy keeps name_key out of the probe. For find_patient_duplicates, which reads the patients through RLS.';
revoke all on function app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text) from public;
grant execute on function app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text) to :DATABASE_VISITOR;
