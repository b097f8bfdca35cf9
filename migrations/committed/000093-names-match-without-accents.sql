--! Previous: sha1:b401e98a50f330b72d98386e58dd55b8dbb4a3f0
--! Hash: sha1:668a441c07b772519f41564fb71966182499045a
--! Message: names match without accents

--------------------------------------------------------------------------------
-- Names match without their accents: in the duplicate warning and in the search.
--
-- A name typed without its accents (a keyboard without them, another receptionist) was another
-- name: "Jose Ramirez", born on José Ramírez's birthday, was not flagged as a possible duplicate, and
-- a search for "jose" did not find José. The warning also compared names in lower case with only
-- their ends trimmed, so "Mary  Anne" asked for before saving missed Mary Anne.
--
-- The duplicate warning now compares names by app_hidden.name_key: as meant (name_as_meant, which
-- saved names already are), without accents (the unaccent extension, trusted, so the owner creates
-- it), in lower case. The patients of a clinic born on one day are few, so they are found by
-- (clinic_id, date_of_birth) and their names compared there: the index on lower-case names is
-- replaced. The search's copy of each patient's text (app_private.patient_search) is kept without
-- accents, and a query is searched without its own.

create extension if not exists unaccent with schema public;

create or replace function app_hidden.name_key(name text) returns text
language sql stable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select lower(public.unaccent('public.unaccent'::regdictionary, app_hidden.name_as_meant(name_key.name)));
$$;
revoke all on function app_hidden.name_key(text) from public;
grant execute on function app_hidden.name_key(text) to :DATABASE_VISITOR;
comment on function app_hidden.name_key(text) is 'A name as the duplicate warning compares it: as meant (name_as_meant), without accents (unaccent), in lower case, so that José Ramírez, JOSE RAMIREZ and jose  ramirez are one.';

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
      or (p.date_of_birth = find_patient_duplicates.date_of_birth
          and app_hidden.name_key(p.last_name) = app_hidden.name_key(find_patient_duplicates.last_name)
          and app_hidden.name_key(p.first_name) = app_hidden.name_key(find_patient_duplicates.first_name))
    )
  order by p.created_at
$$;
comment on function app_public.find_patient_duplicates(text, text, text, date, uuid) is 'Existing patients that look like the one being registered or edited: same phone, or same names (as app_hidden.name_key compares them: white space, accents and case aside) and date of birth. Call it before saving to warn the user.';

drop index if exists app_public.patient_clinic_name_dob_idx;
create index if not exists patient_clinic_dob_idx on app_public.patient (clinic_id, date_of_birth);
comment on index app_public.patient_clinic_dob_idx is 'The patients of a clinic born on a day: the duplicate warning compares their names (find_patient_duplicates).';

create or replace function app_hidden.search_key(text text) returns text
language sql stable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select public.unaccent('public.unaccent'::regdictionary, lower(search_key.text));
$$;
revoke all on function app_hidden.search_key(text) from public;
comment on function app_hidden.search_key(text) is 'Text as the patient search compares it: in lower case, without accents (José and JOSE are jose; ß is ss, œ is oe).';

create or replace function app_private.index_patients(patients app_public.patient[]) returns void
language plpgsql set search_path to pg_catalog, public, pg_temp as $$
begin
  insert into app_private.patient_search (clinic_id, patient_id, search_text, code, last_name, first_name)
  select p.clinic_id, p.id, app_hidden.search_key(p.search_text), p.code, p.last_name, p.first_name from unnest(patients) p
  on conflict (clinic_id, patient_id) do update
    set search_text = excluded.search_text, code = excluded.code, last_name = excluded.last_name, first_name = excluded.first_name;
end;
$$;
comment on function app_private.index_patients(app_public.patient[]) is 'Copies the searchable text (without accents: search_key) and sort keys of `patients` into patient_search (insert or update).';

create or replace function app_hidden.patients_matching(query text) returns table(patient_id uuid, exact_code boolean, last_name text, first_name text)
language plpgsql stable security definer rows 50 set search_path to pg_catalog, public, pg_temp as $$
declare
  v_clinic_id uuid := app_public.current_clinic_id();
  v_typed text := btrim(query);
  v_text_pattern text := app_hidden.contains_pattern(app_hidden.search_key(v_typed));
  -- null for names and codes: the planner then drops that condition
  v_phone_pattern text := app_hidden.contains_pattern(app_hidden.phone_search_term(query, app_hidden.calling_code_for(v_clinic_id)));
begin
  if char_length(v_typed) between 2 and 100 then
    -- planned at each call with the clinic and the patterns as values: the trigram index in a large clinic,
    -- whatever the size of the others (000034)
    return query execute
      'select s.patient_id, s.code = upper($4), s.last_name, s.first_name from app_private.patient_search s
       where s.clinic_id = $1 and (s.search_text like $2 or s.search_text like $3)'
      using v_clinic_id, v_text_pattern, v_phone_pattern, v_typed;
  end if;
end;
$$;
comment on function app_hidden.patients_matching(text) is 'The current clinic''s patients whose name, code or phone contains `query` (2 to 100 characters, any case, accents aside: search_key; a phone also as people type it, national or international: phone_search_term; deleted ones included), with what search_patients orders them by: whether the code is `query` exactly, then the names. Planned at each call with the clinic and the patterns: the trigram index in a large clinic, whatever the size of the others. For search_patients, which reads the patients through RLS.';

-- the copies of names written with accents, without them
update app_private.patient_search s set search_text = app_hidden.search_key(s.search_text)
where s.search_text <> app_hidden.search_key(s.search_text);
comment on column app_private.patient_search.search_text is 'The patient''s names, code and phone as search_patients matches them: search_key of patient.search_text (lower case, without accents).';
