--! Previous: sha1:2937d5ef6f31b2134c8b48a6692071ca81d99670
--! Hash: sha1:f9dbf06de94214185c603b7caa662c13ce0c69b7
--! Message: The duplicate warning compares names without their hyphens, apostrophes, dots and spaces

-- The duplicate warning compares names without their hyphens, apostrophes, dots and spaces
--
-- The warning compared names as meant, in any case and without accents, but with their punctuation and spaces: Mary Jane
-- O'Brien born on the day of a Mary-Jane OBrien, or Abdulrahman Alhassan on the day of Abdul-Rahman Al Hassan, the same
-- names as people type and transliterate them, were not flagged, and the front desk registered the patient a second
-- time. name_key now also leaves out white space, hyphens and dashes, apostrophes (straight, curly, the modifier letter)
-- and dots (name_unpunctuated), so those are one name; the letters and their order still have to match (Mary is not
-- Mary-Jane). The index of the names' keys is rebuilt, as name_key is immutable.
create or replace function app_hidden.name_unpunctuated(name text) returns text
  language sql immutable strict parallel safe
  set search_path to pg_catalog, public, pg_temp
as $$
  select regexp_replace(name_unpunctuated.name, '[.''’‘ʼ`´′‐‑‒–—―−-]+', '', 'g');
$$;
comment on function app_hidden.name_unpunctuated(name text) is 'A name (or a word of a search) without the hyphens and dashes, apostrophes (straight, curly, the modifier letter) and dots people type in a name or leave out of it: Mary-Jane O''Brien and MaryJane OBrien are MaryJane OBrien. For name_key and the patient search.';
revoke all on function app_hidden.name_unpunctuated(name text) from public;
grant execute on function app_hidden.name_unpunctuated(name text) to :DATABASE_VISITOR;

create or replace function app_hidden.name_key(name text) returns text
  language sql immutable parallel safe
  set search_path to pg_catalog, public, pg_temp
as $$
  select regexp_replace(app_hidden.name_unpunctuated(app_hidden.search_key(app_hidden.name_as_meant(name_key.name))), '[[:space:]]+', '', 'g');
$$;
comment on function app_hidden.name_key(name text) is 'A name as the duplicate warning compares it: as meant (name_as_meant), then as search_key compares text, and without white space, hyphens and dashes, apostrophes and dots, so that José Ramírez, JOSE RAMIREZ and jose  ramirez are one, as are Mary-Jane O''Brien, Mary Jane OBrien and MaryJane O’Brien. Immutable, for the index patient_search_dob_names_idx (rebuilt when it changes).';
revoke all on function app_hidden.name_key(name text) from public;
grant execute on function app_hidden.name_key(name text) to :DATABASE_VISITOR;
reindex index app_private.patient_search_dob_names_idx;
