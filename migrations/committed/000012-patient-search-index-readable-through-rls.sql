--! Previous: sha1:62f5ac5e4ec034c52269e66171301bec59ebbffe
--! Hash: sha1:ce86f0af9062c043b0ce9206fb03dc6c2ce52900
--! Message: patient search index readable through RLS

--! split: 110-patient-search-index.sql
-- Patient search that reads its trigram index through row-level security.
--
-- Under RLS, PostgreSQL may only use a condition as an index condition before
-- the policies' conditions when its function is leakproof, and `like`
-- (textlike) is not: searched through the API, the trigram index on
-- patient.search_text was never used, and a search read every patient of the
-- clinic (10 ms for 20,000 patients, growing with the clinic). The searchable
-- text now also lives in app_private.patient_search, whose only policy is the
-- owner's `true`; a security definer function finds the current clinic's
-- matching ids there through the trigram index, and search_patients reads
-- those patients through RLS as before.

create table if not exists app_private.patient_search (
  clinic_id uuid not null,
  patient_id uuid not null,
  search_text text not null,
  primary key (clinic_id, patient_id),
  foreign key (clinic_id, patient_id) references app_public.patient (clinic_id, id) on delete cascade
);
comment on table app_private.patient_search is 'The searchable text of each patient (a copy of patient.search_text kept by a trigger), indexed by trigrams per clinic for search_patients.';
comment on column app_private.patient_search.clinic_id is 'The clinic.';
comment on column app_private.patient_search.patient_id is 'The patient.';
comment on column app_private.patient_search.search_text is 'Lower-case names, code and phone, as patient.search_text.';
create index if not exists patient_search_trigram_idx on app_private.patient_search using gin (clinic_id, search_text gin_trgm_ops);
alter table app_private.patient_search enable row level security;
alter table app_private.patient_search force row level security;
drop policy if exists owner_only on app_private.patient_search;
create policy owner_only on app_private.patient_search to :DATABASE_OWNER using (true);

-- the index on the patient table itself could not serve the API's searches
drop index if exists app_public.patient_search_idx;

create or replace function app_private.tg_patient__search_text() returns trigger
language plpgsql security definer set search_path = pg_catalog, public, pg_temp
as $$
begin
  insert into app_private.patient_search as s (clinic_id, patient_id, search_text)
  values (new.clinic_id, new.id, new.search_text)
  on conflict (clinic_id, patient_id) do update set search_text = excluded.search_text;
  return null;
end;
$$;
comment on function app_private.tg_patient__search_text() is 'AFTER INSERT or UPDATE of names, code or phone on patients: keeps patient_search.';
drop trigger if exists _650_search_text on app_public.patient;
create trigger _650_search_text after insert or update of first_name, last_name, code, phone on app_public.patient
  for each row execute function app_private.tg_patient__search_text();

create or replace function app_hidden.patients_matching(query text) returns table (patient_id uuid)
language sql stable security definer set search_path = pg_catalog, public, pg_temp
rows 50
as $$
  -- sub-selects: the clinic and the pattern are computed once, not again for every row rechecked
  select s.patient_id from app_private.patient_search s
  where s.clinic_id = (select app_public.current_clinic_id())
    and char_length(btrim(query)) between 2 and 100
    and s.search_text like (select '%' || replace(replace(replace(lower(btrim(query)), E'\\', E'\\\\'), '%', E'\\%'), '_', E'\\_') || '%');
$$;
comment on function app_hidden.patients_matching(text) is 'Ids of the current clinic''s patients whose name, code or phone contains `query` (2 to 100 characters, any case; deleted ones included), found through the trigram index. For search_patients, which reads the patients through RLS.';

create or replace function app_public.search_patients(query text) returns setof app_public.patient
language sql stable
as $$
  select p.* from app_hidden.patients_matching(query) m
  join app_public.patient p on p.clinic_id = (select app_public.current_clinic_id()) and p.id = m.patient_id
  where p.deleted_at is null
  order by (p.code = upper(btrim(query))) desc, p.last_name, p.first_name, p.id
$$;
comment on function app_public.search_patients(text) is 'Patients whose name, code or phone contains `query` (2 to 100 characters, any case), exact code first, then by name. Uses a trigram index per clinic, so it stays fast at a million patients and in a large clinic.';

create or replace function app_private.reindex_patient_search(clinic_id uuid) returns void
language sql volatile security definer set search_path = pg_catalog, public, pg_temp
as $$
  insert into app_private.patient_search (clinic_id, patient_id, search_text)
  select p.clinic_id, p.id, p.search_text from app_public.patient p where p.clinic_id = reindex_patient_search.clinic_id
  on conflict (clinic_id, patient_id) do update set search_text = excluded.search_text;
$$;
comment on function app_private.reindex_patient_search(uuid) is 'Copies the searchable text of every patient of a clinic into patient_search (existing data, bulk loads that bypassed the trigger).';

-- Existing patients.
select app_private.reindex_patient_search(c.id) from app_public.clinic c;
