--! Previous: sha1:b656c1eb214c5344d7fb2cba81a14c7caecbfc46
--! Hash: sha1:98cd135d98938674e36a478e72febafb2f8c2ca4
--! Message: A transliterated name written with ʿ or ʾ is found and flagged as typed without them

-- A transliterated name written with ʿ or ʾ (Saʿīd, Raʾūf) is found and flagged as typed without them
--
-- Transliterations of Arabic and Hebrew write the letters ayn and alif as the modifier letters ʿ and ʾ, inside a name
-- as an apostrophe is (Saʿīd, Raʾūf, Kaʿb). search_key kept them, and name_unpunctuated, which drops the apostrophes
-- people type in a name or leave out of it, did not know them: Saʿīd was found by no said nor sa'id, and a Said Rauf
-- registered on his birth date was not flagged against him, so the front desk registered him again (the Hawaiian
-- okina, ʻ, was already read as an apostrophe by unaccent). They are now among the apostrophes name_unpunctuated
-- drops; the search's copy of the patients with one in their names is made again, and the index of the names' keys
-- rebuilt, as name_unpunctuated is immutable.
create or replace function app_hidden.name_unpunctuated(name text) returns text
  language sql immutable strict parallel safe
  set search_path to pg_catalog, public, pg_temp
as $$
  select regexp_replace(name_unpunctuated.name, '[.''’‘ʼʾʿ`´′·‐‑‒–—―−-]+', '', 'g');
$$;
comment on function app_hidden.name_unpunctuated(name text) is 'A name (or a word of a search) without the hyphens and dashes, apostrophes (straight, curly, the modifier letter, and the ʾ and ʿ of transliterated Arabic and Hebrew) and dots (the full stop, and the middle dot of Catalan''s l·l, which is also what search_key reads ŀ as) people type in a name or leave out of it: Mary-Jane O''Brien and MaryJane OBrien are MaryJane OBrien, Marcel·la and Marceŀla Marcella, Saʿīd Said. For name_key and the patient search.';
revoke all on function app_hidden.name_unpunctuated(name text) from public;
grant execute on function app_hidden.name_unpunctuated(name text) to :DATABASE_VISITOR;

-- the patients whose names have a ʾ or ʿ
select app_private.index_patients(array(
  select p from app_public.patient p where p.first_name || ' ' || p.last_name ~ '[\u02be\u02bf]'));
reindex index app_private.patient_search_dob_names_idx;
