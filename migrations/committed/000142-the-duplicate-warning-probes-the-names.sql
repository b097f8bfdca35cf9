--! Previous: sha1:87b239a8c9de09fc933d107dccf672453ac443af
--! Hash: sha1:224c2cce0009d4e1df62e12f48d1902fc3425584
--! Message: the duplicate warning probes the names

-- The duplicate warning probes the names in an index, through row-level security too.
--
-- Through the API, `find_patient_duplicates` probed `patient_clinic_dob_names_idx` by the clinic and the
-- birth date only: the policies on `patient` keep a condition out of an index probe unless its
-- functions are leakproof, and `name_key` is not (only a superuser may declare one). So every patient
-- born that day was read and keyed: a placeholder birth date (1 January, 1900-01-01) shared by 3,000
-- patients took 100 ms a check. The names are now looked up where the search looks: the copy of each
-- patient in `app_private.patient_search` (no policy filters its rows) keeps their birth date, and an
-- index there holds the clinic, the date and both names' keys, probed by all four in a definer
-- function. The index on `patient` keeps the clinic and the date alone (the API's `dateOfBirth`
-- filters read it), without the names' keys to compute at every write.

alter table app_private.patient_search add column if not exists date_of_birth date;
comment on column app_private.patient_search.date_of_birth is 'The patient''s date of birth, as patient.date_of_birth (the duplicate warning''s names are looked up by it).';

update app_private.patient_search s set date_of_birth = p.date_of_birth
  from app_public.patient p
  where p.clinic_id = s.clinic_id and p.id = s.patient_id and s.date_of_birth is distinct from p.date_of_birth;

create or replace function app_private.index_patients(patients app_public.patient[]) returns void
language plpgsql set search_path to pg_catalog, public, pg_temp as $$
begin
  insert into app_private.patient_search (clinic_id, patient_id, search_text, code, last_name, first_name, date_of_birth)
  select p.clinic_id, p.id, app_hidden.search_key(p.search_text), p.code, p.last_name, p.first_name, p.date_of_birth from unnest(patients) p
  on conflict (clinic_id, patient_id) do update
    set search_text = excluded.search_text, code = excluded.code, last_name = excluded.last_name, first_name = excluded.first_name,
        date_of_birth = excluded.date_of_birth;
end;
$$;
comment on function app_private.index_patients(patients app_public.patient[]) is 'Copies the searchable text (without accents: search_key), sort keys and date of birth of `patients` into patient_search (insert or update).';

drop trigger if exists _650_search_text on app_public.patient;
create trigger _650_search_text after insert or update of first_name, last_name, code, phone, date_of_birth on app_public.patient
  for each row execute function app_private.tg_patient__search_text();
comment on trigger _650_search_text on app_public.patient is 'Keeps the patient''s copy in app_private.patient_search (the search''s text, sort keys, date of birth) as the patient is now.';

create index if not exists patient_clinic_date_of_birth_idx on app_public.patient (clinic_id, date_of_birth);
comment on index app_public.patient_clinic_date_of_birth_idx is 'The patients of a clinic born on a day, or in a range of days (the API''s dateOfBirth filters and condition).';
drop index if exists app_public.patient_clinic_dob_names_idx;
create index if not exists patient_search_dob_names_idx on app_private.patient_search
  (clinic_id, date_of_birth, app_hidden.name_key(last_name), app_hidden.name_key(first_name));
comment on index app_private.patient_search_dob_names_idx is 'The patients of a clinic born on a day with these names (name_key): the duplicate warning''s lookup (patients_born_named), whatever the number born that day.';

create or replace function app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text) returns setof uuid
language plpgsql stable security definer rows 2 set search_path to pg_catalog, public, pg_temp as $$
begin
  return query select s.patient_id from app_private.patient_search s
    where s.clinic_id = app_public.current_clinic_id() and s.date_of_birth = patients_born_named.date_of_birth
      and app_hidden.name_key(s.last_name) = app_hidden.name_key(patients_born_named.last_name)
      and app_hidden.name_key(s.first_name) = app_hidden.name_key(patients_born_named.first_name);
end;
$$;
comment on function app_hidden.patients_born_named(date_of_birth date, last_name text, first_name text) is 'The ids of the current clinic''s patients born on `date_of_birth` with these names, as name_key compares them (deleted patients included): the four probed in patient_search_dob_names_idx, where no policy keeps name_key out of the probe. For find_patient_duplicates, which reads the patients through RLS.';
revoke all on function app_hidden.patients_born_named(date, text, text) from public;
grant execute on function app_hidden.patients_born_named(date, text, text) to :DATABASE_VISITOR;

create or replace function app_public.find_patient_duplicates(phone text default null, first_name text default null, last_name text default null,
  date_of_birth date default null, except_patient_id uuid default null) returns setof app_public.patient
language sql stable as $$
  select p.* from app_public.patient p
  where p.clinic_id = app_public.current_clinic_id()
    and p.deleted_at is null
    and p.id is distinct from find_patient_duplicates.except_patient_id
    and (
      p.phone = (select app_public.normalize_phone(find_patient_duplicates.phone, app_hidden.calling_code_for(app_public.current_clinic_id()))
                 where nullif(btrim(find_patient_duplicates.phone), '') is not null)
      or p.id = any (array(select app_hidden.patients_born_named(find_patient_duplicates.date_of_birth, find_patient_duplicates.last_name,
                                                                  find_patient_duplicates.first_name)))
    )
  order by p.created_at
$$;

comment on function app_hidden.name_key(name text) is 'A name as the duplicate warning compares it: as meant (name_as_meant), then as search_key compares text, so that José Ramírez, JOSE RAMIREZ and jose  ramirez are one. Immutable, for the index patient_search_dob_names_idx.';
comment on function app_hidden.search_key(text text) is 'Text as the patient search and the duplicate warning compare it: in Unicode''s composed form (NFC, on a UTF-8 server), lower case, without accents (José and JOSE are jose; ß is ss, œ is oe; Андрей keeps its й). Immutable: unaccent''s rules are read from its dictionary, named here; a new set of rules (a PostgreSQL upgrade) would call for a REINDEX of patient_search_dob_names_idx.';
