--! Previous: sha1:49d989a1feebefd852bc9f7fbec49755ee465ec1
--! Hash: sha1:c42e6fb1dfb84455e91ed9c67aa7d1913a2f4484
--! Message: patient search sorts its matches before reading patients

-- Patient search sorts its matches before it reads the patients.
--
-- search_patients ordered the matching patients by code and name, so it read
-- every match from app_public.patient before it could keep the first page (a
-- search for "2557", every phone, in a clinic of 20,000 patients read all of
-- them for 20), and with few matches PostgreSQL joined them to every patient of
-- the clinic. app_private.patient_search now also holds each patient's code and
-- names, patients_matching returns them, and search_patients sorts the matches
-- by them first: it reads from patient (through RLS, as before) only the rows
-- of the page it returns, by primary key.

alter table app_private.patient_search
  add column if not exists code text,
  add column if not exists last_name text,
  add column if not exists first_name text;
comment on table app_private.patient_search is 'The searchable text and the sort keys of each patient (copies kept by a trigger), indexed by trigrams per clinic for search_patients.';
comment on column app_private.patient_search.code is 'The patient''s code, as patient.code (exact code matches come first).';
comment on column app_private.patient_search.last_name is 'The patient''s last name, as patient.last_name (the order of matches).';
comment on column app_private.patient_search.first_name is 'The patient''s first name, as patient.first_name (the order of matches).';

-- One upsert keeps patient_search, for the trigger (the new row) and for bulk
-- reindexing (a clinic's rows) alike.
create or replace function app_private.index_patients(patients app_public.patient[]) returns void
language sql volatile set search_path = pg_catalog, public, pg_temp
as $$
  insert into app_private.patient_search (clinic_id, patient_id, search_text, code, last_name, first_name)
  select p.clinic_id, p.id, p.search_text, p.code, p.last_name, p.first_name from unnest(patients) p
  on conflict (clinic_id, patient_id) do update
    set search_text = excluded.search_text, code = excluded.code, last_name = excluded.last_name, first_name = excluded.first_name;
$$;
comment on function app_private.index_patients(app_public.patient[]) is 'Copies the searchable text and sort keys of `patients` into patient_search (insert or update).';

create or replace function app_private.tg_patient__search_text() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  perform app_private.index_patients(array[new]);
  return null;
end;
$$;

create or replace function app_private.reindex_patient_search(clinic_id uuid) returns void
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  select app_private.index_patients(array(select p from app_public.patient p where p.clinic_id = reindex_patient_search.clinic_id));
$$;

-- Existing patients get their sort keys.
select app_private.reindex_patient_search(c.id) from app_public.clinic c;
alter table app_private.patient_search
  alter column code set not null,
  alter column last_name set not null,
  alter column first_name set not null;

-- The result's columns change: replaced by drop and create (search_patients
-- calls it by name, so it follows). PL/pgSQL, so that its query is planned
-- once per connection, not on every search (0.1 ms against 0.25).
drop function if exists app_hidden.patients_matching(text);
create function app_hidden.patients_matching(query text)
returns table (patient_id uuid, exact_code boolean, last_name text, first_name text)
language plpgsql stable security definer set search_path = pg_catalog, public, pg_temp
rows 50
as $$
begin
  -- sub-selects: the clinic and the pattern are computed once, not again for every row rechecked
  return query
  select s.patient_id, s.code = upper(btrim(query)), s.last_name, s.first_name from app_private.patient_search s
  where s.clinic_id = (select app_public.current_clinic_id())
    and char_length(btrim(query)) between 2 and 100
    and s.search_text like (select '%' || replace(replace(replace(lower(btrim(query)), E'\\', E'\\\\'), '%', E'\\%'), '_', E'\\_') || '%');
end;
$$;
comment on function app_hidden.patients_matching(text) is 'The current clinic''s patients whose name, code or phone contains `query` (2 to 100 characters, any case; deleted ones included), found through the trigram index, with what search_patients orders them by: whether the code is `query` exactly, then the names. For search_patients, which reads the patients through RLS.';

-- The matches are sorted first (a sub-select with its own order by), then each
-- is looked up in patient by a lateral sub-select that `offset 0` keeps apart:
-- PostgreSQL cannot turn it into a join of every patient of the clinic, so the
-- matches keep their order and a page stops after its rows. The outer order by
-- states the result's order whatever plan is chosen.
create or replace function app_public.search_patients(query text) returns setof app_public.patient
language sql stable
as $$
  select p.* from (select * from app_hidden.patients_matching(query) order by exact_code desc, last_name, first_name, patient_id) m
  cross join lateral (
    select p.* from app_public.patient p
    where p.clinic_id = (select app_public.current_clinic_id()) and p.id = m.patient_id and p.deleted_at is null
    offset 0) p
  order by m.exact_code desc, m.last_name, m.first_name, m.patient_id
$$;
