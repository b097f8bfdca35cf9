--! Previous: sha1:fc49bd863bb9b30aa3fd83182f2d61c33ff72b63
--! Hash: sha1:c3cfb9b8c8774d4dbce0317783d3af0660c5f8de
--! Message: one rule for comparing names and searched text

--------------------------------------------------------------------------------
-- One rule for comparing names and searched text.
--
-- The duplicate warning's name_key (000093) and the search's search_key (000095) each wrote out how
-- text is compared: in lower case, without the accents unaccent knows (and search_key in Unicode's
-- composed form, which name_as_meant gives names already). name_key is now search_key of the name
-- as meant, and search_key is immutable like name_key (unaccent's dictionary named; the server's
-- encoding never changes), so the index on names' keys is rebuilt once with the one rule.

create or replace function app_hidden.search_key(text text) returns text
language sql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select public.unaccent('public.unaccent'::regdictionary,
    lower(case when current_setting('server_encoding') = 'UTF8' then normalize(search_key.text, nfc) else search_key.text end));
$$;
comment on function app_hidden.search_key(text) is 'Text as the patient search and the duplicate warning compare it: in Unicode''s composed form (NFC, on a UTF-8 server), lower case, without accents (José and JOSE are jose; ß is ss, œ is oe; Андрей keeps its й). Immutable: unaccent''s rules are read from its dictionary, named here; a new set of rules (a PostgreSQL upgrade) would call for a REINDEX of patient_clinic_dob_names_idx.';

create or replace function app_hidden.name_key(name text) returns text
language sql immutable parallel safe set search_path to pg_catalog, public, pg_temp as $$
  select app_hidden.search_key(app_hidden.name_as_meant(name_key.name));
$$;
comment on function app_hidden.name_key(text) is 'A name as the duplicate warning compares it: as meant (name_as_meant), then as search_key compares text, so that José Ramírez, JOSE RAMIREZ and jose  ramirez are one. Immutable, for the index patient_clinic_dob_names_idx.';

reindex index app_public.patient_clinic_dob_names_idx;
