--! Previous: sha1:4600770590cc5b0c1cb8def630ee0be5ee9f2f26
--! Hash: sha1:01435f3bf8faa8f6bbde94a271fc2e6733b95b70
--! Message: accents and the live queue key after review

--------------------------------------------------------------------------------
-- Accents and the live queue's key, after a review of 000092 and 000093.
--
-- - A search query of accents alone (two combining marks) passed the 2-character rule and became
--   the empty pattern, which listed every patient of the clinic: the rule now applies to the query
--   without its accents too.
-- - The search took accents off a query as typed: a Cyrillic й typed as и and a combining breve
--   lost its breve and missed Андрей. Text is now put in Unicode's composed form (NFC, as names are
--   saved) before the accents that unaccent knows are taken off; the copies are refreshed.
-- - The duplicate warning compared the names of every patient born on the day, and a placeholder
--   date (1 January, 1900-01-01) gathers thousands in a big clinic: 23 ms a check for 2,000. name_key
--   is immutable (unaccent with its dictionary named, name_as_meant), so the index now holds the
--   names' keys after the date: two index probes a check.
-- - A database without the live queue's key (a deleted row, a restore that lost it) refused every
--   visit write ("channel name cannot be empty"). A visit is now written without its notification,
--   and a subscription is refused with an error that names the missing key.

create or replace function app_hidden.search_key(text text) returns text
language sql stable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select public.unaccent('public.unaccent'::regdictionary,
    lower(case when current_setting('server_encoding') = 'UTF8' then normalize(search_key.text, nfc) else search_key.text end));
$$;
comment on function app_hidden.search_key(text) is 'Text as the patient search compares it: in Unicode''s composed form (NFC, on a UTF-8 server), lower case, without accents (José and JOSE are jose; ß is ss, œ is oe; Андрей keeps its й).';

create or replace function app_hidden.patients_matching(query text) returns table(patient_id uuid, exact_code boolean, last_name text, first_name text)
language plpgsql stable security definer rows 50 set search_path to pg_catalog, public, pg_temp as $$
declare
  v_clinic_id uuid := app_public.current_clinic_id();
  v_typed text := btrim(query);
  v_key text := app_hidden.search_key(v_typed);
  v_text_pattern text := app_hidden.contains_pattern(v_key);
  -- null for names and codes: the planner then drops that condition
  v_phone_pattern text := app_hidden.contains_pattern(app_hidden.phone_search_term(query, app_hidden.calling_code_for(v_clinic_id)));
begin
  -- 2 characters at least, typed and without accents (accents alone would match everything)
  if char_length(v_typed) between 2 and 100 and char_length(v_key) >= 2 then
    -- planned at each call with the clinic and the patterns as values: the trigram index in a large clinic,
    -- whatever the size of the others (000034)
    return query execute
      'select s.patient_id, s.code = upper($4), s.last_name, s.first_name from app_private.patient_search s
       where s.clinic_id = $1 and (s.search_text like $2 or s.search_text like $3)'
      using v_clinic_id, v_text_pattern, v_phone_pattern, v_typed;
  end if;
end;
$$;
comment on function app_hidden.patients_matching(text) is 'The current clinic''s patients whose name, code or phone contains `query` (2 to 100 characters, at least 2 without accents; any case, accents aside: search_key; a phone also as people type it, national or international: phone_search_term; deleted ones included), with what search_patients orders them by: whether the code is `query` exactly, then the names. Planned at each call with the clinic and the patterns: the trigram index in a large clinic, whatever the size of the others. For search_patients, which reads the patients through RLS.';

update app_private.patient_search s set search_text = app_hidden.search_key(p.search_text)
from app_public.patient p
where p.clinic_id = s.clinic_id and p.id = s.patient_id and s.search_text is distinct from app_hidden.search_key(p.search_text);

create or replace function app_hidden.name_key(name text) returns text
language sql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select lower(public.unaccent('public.unaccent'::regdictionary, app_hidden.name_as_meant(name_key.name)));
$$;
comment on function app_hidden.name_key(text) is 'A name as the duplicate warning compares it: as meant (name_as_meant), without accents (unaccent), in lower case, so that José Ramírez, JOSE RAMIREZ and jose  ramirez are one. Immutable, for the index patient_clinic_dob_names_idx: unaccent''s rules are read from its dictionary, named here; a new set of rules (a PostgreSQL upgrade) would call for a REINDEX.';

drop index if exists app_public.patient_clinic_dob_idx;
drop index if exists app_public.patient_clinic_dob_names_idx;
create index patient_clinic_dob_names_idx on app_public.patient (clinic_id, date_of_birth, app_hidden.name_key(last_name), app_hidden.name_key(first_name));
comment on index app_public.patient_clinic_dob_names_idx is 'The patients of a clinic born on a day with these names (name_key): the duplicate warning''s lookup (find_patient_duplicates), whatever the number born that day.';

create or replace function app_hidden.visit_queue_channel() returns text
language plpgsql stable security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_clinic_id uuid := app_public.current_clinic_id();
  v_channel text;
begin
  if v_clinic_id is null then
    return null;
  end if;
  v_channel := app_private.visit_queue_channel(v_clinic_id);
  if v_channel is null then
    raise exception 'The live queue has no key: app_private.live_queue_key is empty (insert into app_private.live_queue_key default values).';
  end if;
  return v_channel;
end;
$$;
comment on function app_hidden.visit_queue_channel() is 'The live visit queue''s channel of the live session''s clinic, or null without one: what the API listens to for the subscription visitQueueChanged. Without the key (app_private.live_queue_key) it fails, naming the key.';

create or replace function app_private.tg_visit__notify() returns trigger
language plpgsql security definer set search_path to pg_catalog, public, pg_temp as $$
declare
  v_channel text;
begin
  if tg_op = 'UPDATE' and (new.status, new.scheduled_at, new.doctor_id) is not distinct from (old.status, old.scheduled_at, old.doctor_id) then
    return null;
  end if;
  v_channel := app_private.visit_queue_channel(new.clinic_id);
  if v_channel is not null then -- without the key no one listens: the visit is written all the same
    perform pg_notify(v_channel, json_build_object('id', new.id, 'status', new.status)::text);
  end if;
  return null;
end;
$$;
comment on function app_private.tg_visit__notify() is 'AFTER INSERT OR UPDATE: tells subscribers of the clinic''s visit queue (GraphQL subscription visitQueueChanged) that a visit was booked, changed status, was moved to another time or handed to another doctor, with its id and status now, on the clinic''s secret channel (visit_queue_channel; any role may LISTEN, but only the owner can name the channel). Without the key (app_private.live_queue_key), nothing is sent and the visit is written.';
